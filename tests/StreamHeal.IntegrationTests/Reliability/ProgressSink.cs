using System.Collections.Concurrent;
using StreamHeal.Sink;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>
/// Wraps a real sink and counts the distinct records it confirmed per partition, so a test can see the moment flow
/// resumes on the partitions a fault touched without opening the DuckDB file the pipeline holds. Distinct, because a
/// replay after a rebalance confirms records again (as already written) without any progress.
/// </summary>
public sealed class ProgressSink(ISink inner, int partitions) : ISink
{
    private readonly long[] _confirmed = new long[partitions];
    private readonly ConcurrentDictionary<(int Partition, long Offset), byte> _seen = new();

    public string Name => inner.Name;

    // Default interface members are forwarded by hand: a decorator that relies on the defaults silently drops them.
    public bool WritesTablesConcurrently => inner.WritesTablesConcurrently;

    public int BatchesInFlightPerTable => inner.BatchesInFlightPerTable;

    public string? StatusLine => inner.StatusLine;

    public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions) => inner.PartitionsAssigned(topic, partitions);

    /// <summary>Distinct records written or found already written on <paramref name="partitions"/>.</summary>
    public long ConfirmedOn(IEnumerable<int> partitions) => partitions.Sum(p => Interlocked.Read(ref _confirmed[p]));

    public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken) =>
        inner.EnsureTableAsync(table, columns, cancellationToken);

    public async ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        var result = await inner.WriteAsync(batch, cancellationToken);
        for (var i = 0; i < batch.Rows.Count; i++)
        {
            var row = batch.Rows[i];
            if (result[i] != RowOutcome.Rejected && _seen.TryAdd((row.Partition, row.Offset), 0))
            {
                Interlocked.Increment(ref _confirmed[row.Partition]);
            }
        }

        return result;
    }

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        inner.GetResumeOffsetsAsync(table, topic, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
