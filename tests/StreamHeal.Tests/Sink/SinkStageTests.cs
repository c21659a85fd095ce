using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHeal.Offsets;
using StreamHeal.Records;
using StreamHeal.Retry;
using StreamHeal.Sink;
using StreamHeal.Telemetry;
using StreamHeal.TestSupport;
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

        var error = await Assert.ThrowsAsync<DeadLetterRefusedException>(() => stage.Completion.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("events[0]@7", error.Message, StringComparison.Ordinal);
        Assert.Equal("DLQ broke", error.InnerException?.Message);
    }

    /// <summary>
    /// Regression: after the partition was assigned here again (the watchdog's new consumer), copies of the same
    /// records from both assignments reached the sink, in one batch the same row twice (DuckDB's key then stops the
    /// pipeline). The old assignment's copies now complete unwritten; the new assignment writes its own.
    /// </summary>
    [Fact]
    public async Task Records_of_an_assignment_taken_again_since_are_left_to_the_new_one()
    {
        var tracker = new OffsetTracker();
        var budget = new InFlightBudget(1 << 20, 100, 50);
        var completion = new RecordCompletion(tracker, budget);
        var tp = new Confluent.Kafka.TopicPartition("events", 0);
        var old = tracker.Assign(tp);
        var oldCopies = Enumerable.Range(5, 3).Select(o => Record(o, old)).ToList();
        oldCopies.ForEach(r => tracker.Register(tp, old, r.Offset));
        var current = tracker.Assign(tp);
        var newCopies = Enumerable.Range(5, 3).Select(o => Record(o, current)).ToList();
        newCopies.ForEach(r => tracker.Register(tp, current, r.Offset));
        foreach (var record in oldCopies.Concat(newCopies))
        {
            budget.Admit(record.Bytes);
        }

        var written = new List<long>();
        var sink = new ScriptedSink(batch =>
        {
            written.AddRange(batch.Rows.Select(static r => r.Offset));
            return SinkBatchResult.AllWritten(batch.Rows.Count);
        });
        using var metrics = new PipelineMetrics();
        var retry = new DependencyRetry(new RetryOptions(), static e => e is SinkUnavailableException, static (_, _, _) => { }, TimeProvider.System, static () => 0);
        var stage = new SinkStage(sink, new SchemaCatalog(), retry, completion, new ActionBlock<IngestRecord>(static _ => { }), metrics, NullLogger.Instance, 4, CancellationToken.None);

        await stage.Target.SendAsync(new RowBatch<IngestRecord>("events", [.. oldCopies, .. newCopies], 600));
        stage.Target.Complete();
        await stage.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([5L, 6L, 7L], written);
        Assert.Equal(8, tracker.CommittableOffset(tp));
        Assert.Equal(0, budget.Records);
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

    [Fact]
    public async Task A_table_lane_holds_at_most_its_capacity_and_the_router_then_waits_even_for_another_table()
    {
        var sink = new GatedSink();
        using var metrics = new PipelineMetrics();
        var stage = ConcurrentStage(sink, metrics, new TopicHolds());

        var first = stage.Target.SendAsync(Batch("a", 1));
        var second = stage.Target.SendAsync(Batch("a", 2));
        // a1 fills a's lane (capacity 1) and is not held, so the router keeps a2 until a1 is written: nothing waits in
        // a lane. Unbounded lanes took a2 the moment it came, where it waited behind a1 for good.
        await Eventually.Until(
            () => sink.Started.Count == 1 && first.IsCompleted && second.IsCompleted && stage.InputCount == 0, Wait, "a1 written and a2 kept by the router");
        Assert.True(await first);
        Assert.True(await second);

        // The router, busy with a2, takes nothing more, not even b's batch.
        Assert.False(stage.Target.Post(Batch("b", 3)));

        AssertWritten(["a@1", "a@2"], ["b@3"], await OpenAndFinishAsync(stage, sink, Batch("b", 3)));
    }

    [Fact]
    public async Task A_sink_that_takes_three_batches_of_a_table_at_once_gets_them_together_and_offsets_commit_only_below_the_oldest_unwritten()
    {
        var tracker = new OffsetTracker();
        var budget = new InFlightBudget(1 << 20, 100, 50);
        var tp = new Confluent.Kafka.TopicPartition("events", 0);
        var generation = tracker.Assign(tp);
        var sink = new OverlappingSink(batchesInFlight: 3);
        using var metrics = new PipelineMetrics();
        var stage = new SinkStage(
            sink, new SchemaCatalog(), new DependencyRetry(new RetryOptions(), static _ => false, static (_, _, _) => { }, TimeProvider.System, static () => 0),
            new RecordCompletion(tracker, budget), new ActionBlock<IngestRecord>(static _ => { }), metrics, NullLogger.Instance, 1, CancellationToken.None);

        var sends = new List<Task<bool>>();
        foreach (var offset in new long[] { 1, 2, 3, 4 })
        {
            var record = Record(offset, generation);
            tracker.Register(tp, generation, offset);
            budget.Admit(record.Bytes);
            sends.Add(stage.Target.SendAsync(new RowBatch<IngestRecord>("events", [record], 100)));
        }

        // Capacity 1 plus two more writers: three batches written at once, the fourth kept back.
        await Eventually.Until(() => sink.Started.Count == 3, Wait, "three batches of one table written at once");
        Assert.Equal([1L, 2L, 3L], sink.Started.Order());
        Assert.Equal(3, sink.MostAtOnce);

        // Out of order: 3 and 2 are written, 1 is not, so nothing is committable past 1; 4 starts in a freed slot.
        sink.Open(3);
        sink.Open(2);
        await Eventually.Until(() => sink.Started.Count == 4, Wait, "the fourth batch started once a slot was free");
        Assert.Equal(1, tracker.CommittableOffset(tp));

        sink.Open(1);
        sink.Open(4);
        stage.Target.Complete();
        await stage.Completion.WaitAsync(Wait);
        Assert.All(sends, send => Assert.True(send.IsCompletedSuccessfully && send.Result));
        Assert.Equal(5, tracker.CommittableOffset(tp));
        Assert.Equal(3, sink.MostAtOnce);
    }

    [Fact]
    public async Task A_sink_that_takes_one_batch_of_a_table_at_a_time_never_gets_two()
    {
        var sink = new OverlappingSink(batchesInFlight: 1);
        using var metrics = new PipelineMetrics();
        var stage = ConcurrentStage(sink, metrics, new TopicHolds());

        _ = stage.Target.SendAsync(Batch("a", 1));
        _ = stage.Target.SendAsync(Batch("a", 2));
        await Eventually.Until(() => sink.Started.Count == 1, Wait, "the first batch written");
        sink.Open(1);
        await Eventually.Until(() => sink.Started.Count == 2, Wait, "the second batch written after the first");
        sink.Open(2);
        stage.Target.Complete();
        await stage.Completion.WaitAsync(Wait);
        Assert.Equal(1, sink.MostAtOnce);
    }

    [Fact]
    public async Task A_held_table_takes_its_batches_past_the_bound_in_order_and_the_other_tables_keep_flowing()
    {
        var holds = new TopicHolds();
        var sink = new GatedSink(holds);
        using var metrics = new PipelineMetrics();
        var stage = ConcurrentStage(sink, metrics, holds);

        await stage.Target.SendAsync(Batch("a", 1));
        await Eventually.Until(() => sink.Started.Count == 1, Wait, "a1 written");
        holds.Hold("topic-a");
        foreach (var offset in new[] { 2, 3, 4 })
        {
            await stage.Target.SendAsync(Batch("a", offset)).WaitAsync(Wait);
        }

        await stage.Target.SendAsync(Batch("b", 5)).WaitAsync(Wait);
        sink.Open("b");
        await Eventually.Until(() => sink.Written.Contains("b@5"), Wait, "b's batch written while a is held");
        Assert.DoesNotContain("a@1", sink.Written);

        holds.Release("topic-a");
        sink.Open("a");
        stage.Target.Complete();
        await stage.Completion.WaitAsync(Wait);
        Assert.Equal(["a@1", "a@2", "a@3", "a@4"], sink.Written.Where(w => w.StartsWith('a')));
    }

    [Fact]
    public async Task A_table_whose_write_is_retried_takes_its_batches_past_the_bound_in_order_and_the_other_tables_keep_flowing()
    {
        var sink = new GatedSink();
        sink.Open("a");
        sink.Open("b");
        sink.Fail("a");
        using var metrics = new PipelineMetrics();
        // The breaker stays closed: it would otherwise stop b's writes too, which is the breaker's business, not the lanes'.
        var retry = new DependencyRetry(
            new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20), BreakAfterFailures = 1_000 },
            static e => e is SinkUnavailableException, static (_, _, _) => { }, TimeProvider.System, static () => 0.5);
        var stage = ConcurrentStage(sink, metrics, new TopicHolds(), retry);

        foreach (var offset in new[] { 1, 2, 3 })
        {
            await stage.Target.SendAsync(Batch("a", offset)).WaitAsync(Wait);
        }

        await stage.Target.SendAsync(Batch("b", 4)).WaitAsync(Wait);
        await Eventually.Until(() => sink.Written.Contains("b@4"), Wait, "b's batch written while a's write is retried");
        Assert.DoesNotContain(sink.Written, w => w.StartsWith('a'));

        sink.Heal("a");
        stage.Target.Complete();
        await stage.Completion.WaitAsync(Wait);
        Assert.Equal(["a@1", "a@2", "a@3"], sink.Written.Where(w => w.StartsWith('a')));
        Assert.True(sink.Failures > 0);
    }

    [Fact]
    public async Task A_lane_is_bounded_again_once_its_retried_write_went_through_even_while_its_dead_letters_wait()
    {
        var sink = new GatedSink();
        sink.Open("a");
        sink.FailOnce("a");
        sink.Refuse("a");
        // The DLQ takes one dead letter and then waits, so a1's second one keeps a's lane busy after its write succeeded.
        var deadLetterTaken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deadLettersMove = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deadLetters = new ActionBlock<IngestRecord>(
            async _ =>
            {
                deadLetterTaken.TrySetResult();
                await deadLettersMove.Task;
            },
            new ExecutionDataflowBlockOptions { BoundedCapacity = 1 });
        using var metrics = new PipelineMetrics();
        var retry = new DependencyRetry(
            new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2), BreakAfterFailures = 1_000 },
            static e => e is SinkUnavailableException, static (_, _, _) => { }, TimeProvider.System, static () => 0.5);
        var stage = new SinkStage(
            sink, new SchemaCatalog(), retry, new RecordCompletion(new OffsetTracker(), new InFlightBudget(1 << 20, 100, 50)), deadLetters, metrics,
            NullLogger.Instance, 1, CancellationToken.None, holds: new TopicHolds());

        var twoRows = new RowBatch<IngestRecord>("a", [Record(1, topic: "topic-a", table: "a"), Record(2, topic: "topic-a", table: "a")], 200);
        await stage.Target.SendAsync(twoRows).WaitAsync(Wait);
        await deadLetterTaken.Task.WaitAsync(Wait);
        Assert.Equal(1, sink.Failures);

        // a1 was retried, but its write is done: what keeps the lane now is the DLQ, so the bound holds again and the
        // router keeps a2 without taking a3.
        Assert.True(await stage.Target.SendAsync(Batch("a", 3)).WaitAsync(Wait));
        Assert.False(stage.Target.Post(Batch("a", 4)));

        deadLettersMove.SetResult();
        sink.Open("b");
        AssertWritten(["a@1", "a@3"], ["b@5"], await OpenAndFinishAsync(stage, sink, Batch("b", 5)));
    }

    [Fact]
    public async Task One_lane_for_every_table_keeps_its_bound_while_a_topic_is_held()
    {
        var holds = new TopicHolds();
        var sink = new GatedSink(holds, concurrent: false);
        using var metrics = new PipelineMetrics();
        var stage = ConcurrentStage(sink, metrics, holds);

        await stage.Target.SendAsync(Batch("a", 1));
        await stage.Target.SendAsync(Batch("a", 2));
        await Eventually.Until(() => sink.Started.Count == 1, Wait, "a1 written");
        holds.Hold("topic-a");

        // A sink writing one table at a time cannot let another table pass a held one, so nothing past the bound.
        Assert.False(stage.Target.Post(Batch("b", 3)));
        holds.Release("topic-a");
        Assert.Equal(["a@1", "a@2", "b@3"], await OpenAndFinishAsync(stage, sink, Batch("b", 3)));
    }

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>Tables are written concurrently, so order holds within each table, not across them.</summary>
    private static void AssertWritten(string[] a, string[] b, IReadOnlyList<string> written)
    {
        Assert.Equal(a, written.Where(static w => w.StartsWith('a')));
        Assert.Equal(b, written.Where(static w => w.StartsWith('b')));
    }

    /// <summary>Lets every write through, gives the stage its last batch and returns what was written, in order.</summary>
    private static async Task<IReadOnlyList<string>> OpenAndFinishAsync(SinkStage stage, GatedSink sink, RowBatch<IngestRecord> last)
    {
        sink.Open("a");
        sink.Open("b");
        await stage.Target.SendAsync(last).WaitAsync(Wait);
        stage.Target.Complete();
        await stage.Completion.WaitAsync(Wait);
        return sink.Written;
    }

    private static SinkStage ConcurrentStage(ISink sink, PipelineMetrics metrics, TopicHolds holds, DependencyRetry? retry = null) =>
        new(
            sink, new SchemaCatalog(), retry ?? new DependencyRetry(new RetryOptions(), static _ => false, static (_, _, _) => { }, TimeProvider.System, static () => 0),
            new RecordCompletion(new OffsetTracker(), new InFlightBudget(1 << 20, 100, 50)), new ActionBlock<IngestRecord>(static _ => { }), metrics,
            NullLogger.Instance, 1, CancellationToken.None, holds: holds);

    private static RowBatch<IngestRecord> Batch(string table, long offset)
    {
        return new RowBatch<IngestRecord>(table, [Record(offset, topic: "topic-" + table, table: table)], 100);
    }

    private static IngestRecord Record(long offset, long generation = 1, string topic = "events", string table = "events")
    {
        var row = new FlatRow();
        row.Add("a", FieldValue.FromInt64(1));
        return new IngestRecord
        {
            Topic = topic,
            Partition = 0,
            Offset = offset,
            Timestamp = DateTimeOffset.UnixEpoch,
            Value = [1],
            AssignmentGeneration = generation,
            Table = table,
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

        public int BatchesInFlightPerTable => 1;

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

    /// <summary>Takes up to <c>batchesInFlight</c> batches of a table at once; each waits until the test opens its offset. Counts the most written at once.</summary>
    private sealed class OverlappingSink(int batchesInFlight) : ISink
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<long, TaskCompletionSource> _gates = [];
        private readonly List<long> _started = [];
        private int _writing;
        private int _mostAtOnce;

        public IReadOnlyList<long> Started
        {
            get
            {
                lock (_lock)
                {
                    return [.. _started];
                }
            }
        }

        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        public string Name => "overlapping";

        public bool WritesTablesConcurrently => true;

        public int BatchesInFlightPerTable => batchesInFlight;

        public string? StatusLine => null;

        public void Open(long offset) => Gate(offset).TrySetResult();

        public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions)
        {
        }

        public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken) =>
            ValueTask.FromResult(columns);

        public async ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
        {
            var writing = Interlocked.Increment(ref _writing);
            lock (_lock)
            {
                _mostAtOnce = Math.Max(_mostAtOnce, writing);
                _started.Add(batch.Rows[0].Offset);
            }

            try
            {
                await Gate(batch.Rows[0].Offset).Task.WaitAsync(cancellationToken);
                return SinkBatchResult.AllWritten(batch.Rows.Count);
            }
            finally
            {
                Interlocked.Decrement(ref _writing);
            }
        }

        public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private TaskCompletionSource Gate(long offset)
        {
            lock (_lock)
            {
                if (!_gates.TryGetValue(offset, out var gate))
                {
                    gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _gates[offset] = gate;
                }

                return gate;
            }
        }
    }

    /// <summary>
    /// A sink whose writes of a table wait until the test opens the table; records the batches it started and wrote
    /// (as <c>table@offset</c>).
    /// </summary>
    private sealed class GatedSink(TopicHolds? holds = null, bool concurrent = true) : ISink
    {
        private readonly Dictionary<string, TaskCompletionSource> _gates = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();
        private readonly List<string> _started = [];
        private readonly List<string> _written = [];
        private readonly HashSet<string> _failing = new(StringComparer.Ordinal);
        private readonly HashSet<string> _failOnce = new(StringComparer.Ordinal);
        private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

        public IReadOnlyList<string> Started
        {
            get
            {
                lock (_lock)
                {
                    return [.. _started];
                }
            }
        }

        public IReadOnlyList<string> Written
        {
            get
            {
                lock (_lock)
                {
                    return [.. _written];
                }
            }
        }

        public string Name => "gated";

        public bool WritesTablesConcurrently => concurrent;

        public int BatchesInFlightPerTable => 1;

        public string? StatusLine => holds is null ? null : "gated";

        public int Failures { get; private set; }

        public void Open(string table) => Gate(table).TrySetResult();

        /// <summary>Writes of <paramref name="table"/> fail as an unavailable destination's do, until <see cref="Heal"/>.</summary>
        public void Fail(string table)
        {
            lock (_lock)
            {
                _failing.Add(table);
            }
        }

        public void Heal(string table)
        {
            lock (_lock)
            {
                _failing.Remove(table);
            }
        }

        /// <summary>The next write of <paramref name="table"/> fails once; later ones go through.</summary>
        public void FailOnce(string table)
        {
            lock (_lock)
            {
                _failOnce.Add(table);
            }
        }

        /// <summary>Every row of <paramref name="table"/> is refused for good (it goes to the DLQ).</summary>
        public void Refuse(string table)
        {
            lock (_lock)
            {
                _refused.Add(table);
            }
        }

        public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions)
        {
        }

        public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken) =>
            ValueTask.FromResult(columns);

        public async ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
        {
            var name = $"{batch.Table}@{batch.Rows[0].Offset}";
            lock (_lock)
            {
                if (_failing.Contains(batch.Table) || _failOnce.Remove(batch.Table))
                {
                    Failures++;
                    throw new SinkUnavailableException($"{batch.Table} is unavailable");
                }

                _started.Add(name);
            }

            await Gate(batch.Table).Task.WaitAsync(cancellationToken);
            lock (_lock)
            {
                _written.Add(name);
                if (_refused.Contains(batch.Table))
                {
                    return RefuseAll(batch);
                }
            }

            return SinkBatchResult.AllWritten(batch.Rows.Count);
        }

        public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private TaskCompletionSource Gate(string table)
        {
            lock (_lock)
            {
                if (!_gates.TryGetValue(table, out var gate))
                {
                    gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _gates[table] = gate;
                }

                return gate;
            }
        }
    }
}
