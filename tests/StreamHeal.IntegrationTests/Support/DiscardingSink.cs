using StreamHeal.Sink;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// Confirms every row at once and keeps nothing: where a test measures the pipeline's own pace, or only what a wrapper
/// forwards. Records the partitions it was told of.
/// </summary>
public sealed class DiscardingSink(bool concurrent = false, string? status = null, int batchesInFlight = 1) : ISink
{
    public List<(string Topic, IReadOnlyList<int> Partitions)> Assigned { get; } = [];

    public string Name => "discard";

    public bool WritesTablesConcurrently => concurrent;

    public int BatchesInFlightPerTable => batchesInFlight;

    public string? StatusLine => status;

    public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions) => Assigned.Add((topic, partitions));

    public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken) =>
        ValueTask.FromResult(columns);

    public ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SinkBatchResult.AllWritten(batch.Rows.Count));

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
