namespace StreamHeal.Flow;

/// <summary>
/// The one global bound on what sits between poll and sink ack, in records and bytes. The poll loop admits
/// every record it consumed (at most one record over the limit) and pauses partitions while <see cref="IsFull"/>;
/// completions release. Thread-safe.
/// </summary>
public sealed class InFlightBudget(long maxBytes, int maxRecords, int resumeBelowPercent)
{
    private long _bytes;
    private long _records;

    public long MaxBytes { get; } = maxBytes;

    public int MaxRecords { get; } = maxRecords;

    public long Bytes => Interlocked.Read(ref _bytes);

    public long Records => Interlocked.Read(ref _records);

    public bool IsFull => Bytes >= MaxBytes || Records >= MaxRecords;

    /// <summary>True when both budgets are below the resume mark.</summary>
    public bool CanResume => Bytes * 100 < MaxBytes * resumeBelowPercent && Records * 100 < (long)MaxRecords * resumeBelowPercent;

    public void Admit(int bytes)
    {
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Increment(ref _records);
    }

    public void Release(int bytes) => Release(bytes, 1);

    /// <summary>Gives back <paramref name="records"/> records holding <paramref name="bytes"/> in all.</summary>
    public void Release(long bytes, int records)
    {
        Interlocked.Add(ref _bytes, -bytes);
        Interlocked.Add(ref _records, -records);
    }
}
