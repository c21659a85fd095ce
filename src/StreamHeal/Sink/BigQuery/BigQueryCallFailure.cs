using Grpc.Core;

namespace StreamHeal.Sink.BigQuery;

/// <summary>Turns a transient gRPC failure into the exception the sink stage retries, saying what a person can act on.</summary>
internal static class BigQueryCallFailure
{
    /// <summary>
    /// A refused TLS certificate is retried like an outage (the operator may be fixing the trust store), but the message
    /// names the handshake's own cause and calls it a configuration problem, and the sink's status line says so until an
    /// append goes through.
    /// </summary>
    public static SinkUnavailableException Transient(string what, RpcException e, BigQuerySinkStats stats)
    {
        if (SinkErrors.TlsRefusal(e) is { } tls)
        {
            var problem = $"the TLS certificate of the BigQuery endpoint was refused: {tls}";
            stats.RecordConfigurationProblem(problem);
            return new SinkUnavailableException(
                $"{what}: configuration problem, not an outage: {problem}. Trust the endpoint's CA (e.g. SSL_CERT_FILE) or point sink.bigquery.writeEndpoint at an endpoint whose certificate matches its name.", e);
        }

        return new SinkUnavailableException($"{what}: {e.StatusCode}: {e.Status.Detail}", e);
    }
}
