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
            new ScriptedSink(RefuseAll), new SchemaCatalog(), new DependencyRetry(new RetryOptions(), static _ => false, static (_, _, _) => { }, TimeProvider.System, static () => 0),
            new RecordCompletion(new OffsetTracker(), new InFlightBudget(1 << 20, 100, 50)), deadLetters, metrics, NullLogger.Instance, 4, CancellationToken.None);

        await stage.Target.SendAsync(new RowBatch<IngestRecord>("events", [Record(7)], 100));
        stage.Target.Complete();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => stage.Completion.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("events[0]@7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_try_of_a_batch_tells_the_sink_how_far_its_partitions_are_done_now()
    {
        var tracker = new OffsetTracker();
        var budget = new InFlightBudget(1 << 20, 100, 50);
        var completion = new RecordCompletion(tracker, budget);
        var tp = new Confluent.Kafka.TopicPartition("events", 0);
        var generation = tracker.Assign(tp);
        var before = Record(6, generation);
        var batched = Record(7, generation);
        tracker.Register(tp, generation, 6);
        tracker.Register(tp, generation, 7);
        budget.Admit(before.Bytes);
        budget.Admit(batched.Bytes);
        // The first try finds record 6 still waiting (for its dead letter, say); it is done before the second try.
        var doneBelow = new List<long>();
        var sink = new ScriptedSink(batch =>
        {
            doneBelow.Add(batch.DoneBelow!(0)!.Value);
            if (batch.Attempt == 0)
            {
                completion.Complete(before);
                throw new SinkUnavailableException("waiting for the DLQ");
            }

            return SinkBatchResult.AllWritten(batch.Rows.Count);
        });
        using var metrics = new PipelineMetrics();
        var retry = new DependencyRetry(new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1) }, static e => e is SinkUnavailableException, static (_, _, _) => { }, TimeProvider.System, static () => 0);
        var stage = new SinkStage(sink, new SchemaCatalog(), retry, completion, new ActionBlock<IngestRecord>(static _ => { }), metrics, NullLogger.Instance, 4, CancellationToken.None);

        await stage.Target.SendAsync(new RowBatch<IngestRecord>("events", [batched], 100));
        stage.Target.Complete();
        await stage.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([6L, 7L], doneBelow);
        Assert.Equal(8, tracker.CommittableOffset(tp));
    }

    private static IngestRecord Record(long offset, long generation = 1)
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
            AssignmentGeneration = generation,
            Table = "events",
            Row = row,
        };
    }

    /// <summary>Refuses every row for good, as a destination does for a value its column cannot hold.</summary>
    private static SinkBatchResult RefuseAll(SinkBatch batch)
    {
        var result = new SinkBatchResult(batch.Rows.Count);
        for (var i = 0; i < batch.Rows.Count; i++)
        {
            result.Reject(i, "value too long");
        }

        return result;
    }

    /// <summary>A sink whose writes are a function of the batch; tables are taken as they come.</summary>
    private sealed class ScriptedSink(Func<SinkBatch, SinkBatchResult> write) : ISink
    {
        public string Name => "scripted";

        public bool WritesTablesConcurrently => false;

        public string? StatusLine => null;

        public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions)
        {
        }

        public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken) =>
            ValueTask.FromResult(columns);

        public ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken) => ValueTask.FromResult(write(batch));

        public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
