using System.Net;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.BigQuery.Tables;
using Xunit;

namespace StreamHeal.Tests.Sink.BigQuery.Tables;

public sealed class BigQueryRestErrorsTests
{
    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, null, true)]
    [InlineData(HttpStatusCode.InternalServerError, "backendError", true)]
    [InlineData(HttpStatusCode.TooManyRequests, null, true)]
    [InlineData(HttpStatusCode.RequestTimeout, null, true)]
    [InlineData(HttpStatusCode.Unauthorized, "unauthorized", true)]
    [InlineData(HttpStatusCode.Forbidden, "rateLimitExceeded", true)]
    [InlineData(HttpStatusCode.Forbidden, "quotaExceeded", true)]
    [InlineData(HttpStatusCode.Forbidden, "accessDenied", false)]
    [InlineData(HttpStatusCode.BadRequest, "invalid", false)]
    [InlineData(HttpStatusCode.NotFound, "notFound", false)]
    public void Transient_means_a_retry_can_succeed(HttpStatusCode status, string? reason, bool transient) =>
        Assert.Equal(transient, BigQueryRestErrors.IsTransient(status, reason));

    [Fact]
    public void Transient_errors_become_unavailable_and_the_rest_name_the_table_and_what_to_change()
    {
        var outage = BigQueryRestErrors.FromResponse(HttpStatusCode.ServiceUnavailable, Error(503, "backendError", "down"), "GET p:d.t", "p:d.t");
        var denied = BigQueryRestErrors.FromResponse(HttpStatusCode.Forbidden, Error(403, "accessDenied", "Access Denied"), "GET p:d.t", "p:d.t");
        var noDataset = BigQueryRestErrors.FromResponse(HttpStatusCode.NotFound, Error(404, "notFound", "Not found: Dataset p:d"), "POST p:d.t", "p:d.t");

        Assert.IsType<SinkUnavailableException>(outage);
        Assert.Contains("down", outage.Message, StringComparison.Ordinal);
        var permission = Assert.IsType<BigQueryTableUnavailableException>(denied);
        Assert.Contains("p:d.t", permission.Message, StringComparison.Ordinal);
        Assert.Contains("roles/bigquery.dataEditor", permission.Message, StringComparison.Ordinal);
        Assert.Contains("sink.bigquery.dataset", Assert.IsType<BigQueryTableUnavailableException>(noDataset).Message, StringComparison.Ordinal);
    }

    private static BigQueryError Error(int code, string reason, string message) => new(code, message, null, [new BigQueryErrorItem(reason, message)]);
}
