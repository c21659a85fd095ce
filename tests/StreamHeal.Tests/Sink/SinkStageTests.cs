using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHeal.Offsets;
using StreamHeal.Records;
using StreamHeal.Retry;
using StreamHeal.Sink;
using StreamHeal.Telemetry;
using Xunit;
using StreamHeal.Tables;
using StreamHeal.Flow;

namespace StreamHeal.Tests.Sink;

public sealed class SinkStageTests
{
    [Fact]
    public async Task A_refused_row_the_DLQ_no_longer_accepts_faults_the_stage_instead_of_leaving_its_offset_open()
    {
        var deadLetters = new ActionBlock<IngestRecord>(static _ => throw new InvalidOperationException("DLQ broke"));
        deadLetters.Post(Record(99));
        await Assert.ThrowsAnyAsync<Exception>(() => deadLetters.Completion);
        using var metrics = new PipelineMetrics();
        var stage = new SinkStage(
            new RefusingSink(), new SchemaCatalog(), new DependencyRetry(new RetryOptions(), static _ => false, static (_, _, _) => { }, TimeProvider.System, static () => 0),
            new RecordCompletion(new OffsetTracker(), new InFlightBudget(1 << 20, 100, 50)), deadLetters, metrics, NullLogger.Instance, 4, CancellationToken.None);

        await stage.Target.SendAsync(new RowBatch<IngestRecord>("events", [Record(7)], 100));
        stage.Target.Complete();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => stage.Completion.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("events[0]@7", error.Message, StringComparison.Ordinal);
    }

    private static IngestRecord Record(long offset)
    {
        var row = new FlatRow();
        row.Add("a", FieldValue.FromInt64(1));
        return new IngestRecord
        {
            Topic = "events",
            Partition = 0,
            Offset = offset,
            Timestamp = DateTimeOffset.UnixEpoch,
            Value = [1],
            AssignmentGeneration = 1,
            Table = "events",
            Row = row,
        };
    }

    /// <summary>Refuses every row for good, as a destination does for a value its column cannot hold.</summary>
    private sealed class RefusingSink : ISink
    {
        public string Name => "refusing";

        public bool WritesTablesConcurrently => false;

        public string? StatusLine => null;

        public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions)
        {
        }

        public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken) =>
            ValueTask.FromResult(columns);

        public ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
        {
            var result = new SinkBatchResult(batch.Rows.Count);
            for (var i = 0; i < batch.Rows.Count; i++)
            {
                result.Reject(i, "value too long");
            }

            return ValueTask.FromResult(result);
        }

        public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
