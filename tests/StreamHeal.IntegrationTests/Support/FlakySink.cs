using StreamHeal.Sink;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>Wraps a real sink and makes it unavailable on demand, as a destination outage would.</summary>
public sealed class FlakySink(ISink inner) : ISink
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(int Partition, long Offset)> _written = new();
    private volatile bool _down;
    private long _refused;

    public string Name => inner.Name;

    public bool WritesTablesConcurrently => inner.WritesTablesConcurrently;

    public int BatchesInFlightPerTable => inner.BatchesInFlightPerTable;

    public string? StatusLine => inner.StatusLine;

    public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions) => inner.PartitionsAssigned(topic, partitions);

    /// <summary>While true, every call throws <see cref="SinkUnavailableException"/>.</summary>
    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    /// <summary>Calls refused while down.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>The positions of every row the inner sink confirmed, in the order written.</summary>
    public IReadOnlyCollection<(int Partition, long Offset)> Written => [.. _written];

    public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        return inner.EnsureTableAsync(table, columns, cancellationToken);
    }

    public async ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        var result = await inner.WriteAsync(batch, cancellationToken);
        foreach (var row in batch.Rows)
        {
            _written.Enqueue((row.Partition, row.Offset));
        }

        return result;
    }

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        inner.GetResumeOffsetsAsync(table, topic, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private void ThrowIfDown()
    {
        if (_down)
        {
            Interlocked.Increment(ref _refused);
            throw new SinkUnavailableException("injected outage");
        }
    }
}
