using StreamHeal.Sink;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// Wraps a real sink that writes one table at a time and makes it slow or stuck: every write waits
/// <see cref="Delay"/> first, and writes to <see cref="HangTable"/> never return, ignoring cancellation, as a call
/// stuck in a driver would. It routes tables to lanes of their own (so a stuck table holds up only itself) and passes
/// one call at a time to the inner sink.
/// </summary>
public sealed class PacedSink(ISink inner) : ISink
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _hung;

    public TimeSpan Delay { get; init; }

    public string? HangTable { get; init; }

    /// <summary>Writes that are hanging now.</summary>
    public long Hung => Interlocked.Read(ref _hung);

    public string Name => inner.Name;

    public bool WritesTablesConcurrently => true;

    public int BatchesInFlightPerTable => 1;

    public string? StatusLine => inner.StatusLine;

    public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions) => inner.PartitionsAssigned(topic, partitions);

    public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken) =>
        OneAtATimeAsync(ct => inner.EnsureTableAsync(table, columns, ct), cancellationToken);

    public async ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Table == HangTable)
        {
            Interlocked.Increment(ref _hung);
            await new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously).Task;
        }

        await Task.Delay(Delay, cancellationToken);
        return await OneAtATimeAsync(ct => inner.WriteAsync(batch, ct), cancellationToken);
    }

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        OneAtATimeAsync(ct => inner.GetResumeOffsetsAsync(table, topic, ct), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        _gate.Dispose();
    }

    private async ValueTask<T> OneAtATimeAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await call(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }
}
