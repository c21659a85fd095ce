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
        if (TlsProblem(e) is { } problem)
        {
            stats.RecordConfigurationProblem(problem);
            return Misconfigured(what, problem, "sink.bigquery.writeEndpoint", e);
        }

        return new SinkUnavailableException($"{what}: {e.StatusCode}: {e.Status.Detail}", e);
    }

    /// <summary>What is wrong with the endpoint's configuration when <paramref name="e"/> is a refused certificate; else null.</summary>
    public static string? TlsProblem(Exception e) =>
        SinkErrors.TlsRefusal(e) is { } tls ? $"the TLS certificate of the BigQuery endpoint was refused: {tls}" : null;

    /// <param name="endpointOption">The setting that points at the endpoint whose certificate was refused.</param>
    public static SinkUnavailableException Misconfigured(string what, string problem, string endpointOption, Exception e) =>
        new($"{what}: configuration problem, not an outage: {problem}. Trust the endpoint's CA (e.g. SSL_CERT_FILE) or point {endpointOption} at an endpoint whose certificate matches its name.", e);
}
