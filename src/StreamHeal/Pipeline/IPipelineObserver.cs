namespace StreamHeal.Pipeline;

/// <summary>
/// What the pipeline tells an observer as it happens (alerting listens here). Called on pipeline threads: an
/// implementation records and returns at once, never blocks or throws.
/// </summary>
public interface IPipelineObserver
{
    /// <summary>A sink write failed transiently and will be retried.</summary>
    void SinkRetry(string sink, string error);

    /// <summary>A DLQ send failed transiently and will be retried.</summary>
    void DeadLetterRetry(string error);

    /// <summary>The pipeline stopped because it cannot go on.</summary>
    void Failed(string reason);

    /// <summary>
    /// The sink's table now has a column it did not have when the pipeline started (called once per column, after the
    /// sink added it, on the sink's lane). <paramref name="type"/> is the SQL type name.
    /// </summary>
    void ColumnAdded(string table, string column, string type);

    /// <summary>
    /// A field was quarantined because its value does not fit its column's type; called with the first record of each
    /// (table, field, <paramref name="from"/> → <paramref name="to"/>). <paramref name="value"/> is the JSON literal, untruncated.
    /// </summary>
    void TypeFlip(string table, string field, string from, string to, int partition, long offset, string value);
}
