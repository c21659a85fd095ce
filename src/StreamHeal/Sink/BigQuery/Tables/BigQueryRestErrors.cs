using System.Net;

namespace StreamHeal.Sink.BigQuery.Tables;

/// <summary>
/// The one place errors of the BigQuery REST API are classified: transient trouble becomes a
/// <see cref="SinkUnavailableException"/> (the caller retries the batch), everything a retry cannot fix a
/// <see cref="BigQueryTableUnavailableException"/> whose message names what to change.
/// </summary>
internal static class BigQueryRestErrors
{
    /// <summary>
    /// Whether a retry can succeed. BigQuery reports its rate and quota limits as 403 with a reason, so the reason
    /// decides for 403; 401 counts as transient because tokens are refreshed before each call.
    /// </summary>
    public static bool IsTransient(HttpStatusCode status, string? reason) => status switch
    {
        HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.Unauthorized => true,
        HttpStatusCode.Forbidden => reason is "rateLimitExceeded" or "quotaExceeded" or "backendError",
        _ => (int)status >= 500,
    };

    public static Exception FromResponse(HttpStatusCode status, BigQueryError? error, string request, string table)
    {
        var reason = error?.Errors?.FirstOrDefault()?.Reason;
        var text = $"BigQuery {request}: {error?.Message ?? status.ToString()} (HTTP {(int)status}{(reason is null ? "" : ", " + reason)})";
        if (IsTransient(status, reason))
        {
            return new SinkUnavailableException(status == HttpStatusCode.Unauthorized
                ? text + "; the credentials were refused, check sink.bigquery.auth and sink.bigquery.credentialsFile"
                : text);
        }

        return new BigQueryTableUnavailableException(status switch
        {
            HttpStatusCode.Forbidden => text + $"; the credentials of sink.bigquery.auth lack a permission on table {table}: grant bigquery.tables.get, bigquery.tables.create and bigquery.tables.update (e.g. roles/bigquery.dataEditor on the dataset)",
            HttpStatusCode.NotFound => text + $"; the dataset of table {table} does not exist: create it or fix sink.bigquery.projectId and sink.bigquery.dataset",
            HttpStatusCode.BadRequest => text + $"; BigQuery refused the definition of table {table} (check sink.bigquery.timePartitioningField and sink.bigquery.clusteringFields, or fix the table)",
            _ => text,
        });
    }

    public static SinkUnavailableException Unreachable(string request, string detail, Exception inner) =>
        new($"BigQuery {request}: {detail}", inner);
}
