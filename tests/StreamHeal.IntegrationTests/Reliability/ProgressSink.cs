using StreamHeal.Sink;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>
/// Wraps a real sink and counts the rows it confirmed per partition, so a test can see the moment flow resumes on
/// the partitions a fault touched without opening the DuckDB file the pipeline holds.
/// </summary>
public sealed class ProgressSink(ISink inner, int partitions) : ISink
{
    private readonly long[] _confirmed = new long[partitions];

    public string Name => inner.Name;

    // Default interface members are forwarded by hand: a decorator that relies on the defaults silently drops them.
    public bool WritesTablesConcurrently => inner.WritesTablesConcurrently;

    public string? StatusLine => inner.StatusLine;

    public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions) => inner.PartitionsAssigned(topic, partitions);

    /// <summary>Rows written or found already written on <paramref name="partitions"/>.</summary>
    public long ConfirmedOn(IEnumerable<int> partitions) => partitions.Sum(p => Interlocked.Read(ref _confirmed[p]));

    public ValueTask<IReadOnlyList<SinkColumn>> EnsureTableAsync(string table, IReadOnlyList<SinkColumn> columns, CancellationToken cancellationToken) =>
        inner.EnsureTableAsync(table, columns, cancellationToken);

    public async ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        var result = await inner.WriteAsync(batch, cancellationToken);
        for (var i = 0; i < batch.Rows.Count; i++)
        {
            if (result[i] != RowOutcome.Rejected)
            {
                Interlocked.Increment(ref _confirmed[batch.Rows[i].Partition]);
            }
        }

        return result;
    }

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        inner.GetResumeOffsetsAsync(table, topic, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
