namespace StreamHeal.Sink.BigQuery.Tables;

/// <summary>
/// A table cannot be written until a person acts: it is missing and <c>sink.bigquery.autoCreateTables</c> is off, the
/// credentials lack a permission, or BigQuery refused the table definition. Retrying does not help; the message says what to change.
/// </summary>
public sealed class BigQueryTableUnavailableException(string table, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The table as <c>project:dataset.table</c>.</summary>
    public string Table { get; } = table;
}
