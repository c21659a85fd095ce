using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.Logging;
using StreamHeal.Records;
using StreamHeal.Retry;
using StreamHeal.Telemetry;
using StreamHeal.Flow;
using StreamHeal.Tables;

namespace StreamHeal.Sink;

/// <summary>
/// Sink: writes each batch, retrying in place while the sink is unavailable (the batch keeps its slot, the pipeline
/// backs up, Kafka is paused). New columns are added before the first row that uses them. Confirmed rows complete;
/// rows the destination refused go to the DLQ with its message. Schema conflicts and duplicates fault the pipeline.
/// <para>
/// Batches are routed to one lane per table (one batch at a time, so a table's rows keep their order, or as many as the
/// sink's <see cref="ISink.BatchesInFlightPerTable"/>), when the sink can write tables concurrently; otherwise one lane
/// takes every table. A lane holds at most <c>capacity</c> batches, the one being written included (plus one for each
/// further batch it writes at once), and the router waits for room, which is what bounds the records in the sink. A
/// table's lane that is stalled on trouble of its own — a hold of its topic (a new column becoming visible, a table
/// the destination refuses for good) or a write being retried — takes its batches past that bound instead, so it holds
/// up only itself; what it takes is still bounded by the in-flight budget (and a held topic's partitions are paused).
/// </para>
/// </summary>
internal sealed class SinkStage
{
    public const string Name = "sink";

    private readonly ISink _sink;
    private readonly SchemaCatalog _catalog;
    private readonly DependencyRetry _retry;
    private readonly RecordCompletion _completion;
    private readonly ITargetBlock<IngestRecord> _deadLetters;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Action<string, IReadOnlyList<TableColumn>>? _tableReady;
    private readonly int _capacity;
    private readonly CancellationToken _cancellationToken;
    private readonly ActionBlock<RowBatch<IngestRecord>> _router;
    private readonly TopicHolds? _holds;
    private readonly Dictionary<string, SinkLane> _lanes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="tableReady">
    /// Told, on the table's lane, each time the sink confirmed a table with the schema state's columns (at the first
    /// batch, then after each new column); must return at once.
    /// </param>
    /// <param name="holds">The holds the sink places on topics; a held table's lane takes batches past the bound (see above).</param>
    public SinkStage(
        ISink sink,
        SchemaCatalog catalog,
        DependencyRetry retry,
        RecordCompletion completion,
        ITargetBlock<IngestRecord> deadLetters,
        PipelineMetrics metrics,
        ILogger logger,
        int capacity,
        CancellationToken cancellationToken,
        TimeProvider? timeProvider = null,
        Action<string, IReadOnlyList<TableColumn>>? tableReady = null,
        TopicHolds? holds = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _holds = holds;
        _time = timeProvider ?? TimeProvider.System;
        _tableReady = tableReady;
        _sink = sink;
        _catalog = catalog;
        _retry = retry;
        _completion = completion;
        _deadLetters = deadLetters;
        _metrics = metrics;
        _logger = logger;
        _capacity = capacity;
        _cancellationToken = cancellationToken;
        _router = new ActionBlock<RowBatch<IngestRecord>>(RouteAsync, BlockOptions.Ordered(capacity, 1, cancellationToken));
        _router.Completion.ContinueWith(static (t, s) => ((SinkStage)s!).CompleteLanes(t), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public ITargetBlock<RowBatch<IngestRecord>> Target => _router;

    /// <summary>Completes when every lane has written its last batch; faults as soon as any lane faults.</summary>
    public Task Completion => _done.Task;

    /// <summary>Batches waiting in the router and the lanes.</summary>
    public int InputCount
    {
        get
        {
            lock (_gate)
            {
                var count = _router.InputCount;
                foreach (var lane in _lanes.Values)
                {
                    count += lane.InputCount;
                }

                return count;
            }
        }
    }

    private async Task RouteAsync(RowBatch<IngestRecord> batch)
    {
        var lane = Lane(_sink.WritesTablesConcurrently ? batch.Key : "");
        await lane.WaitForRoomAsync(_capacity, _cancellationToken).ConfigureAwait(false);
        if (!lane.Post(batch))
        {
            // The lane faulted (its fault is reported through Completion) or was cancelled.
            _cancellationToken.ThrowIfCancellationRequested();
            await lane.Completion.ConfigureAwait(false);
        }
    }

    private SinkLane Lane(string key)
    {
        lock (_gate)
        {
            if (_lanes.TryGetValue(key, out var lane))
            {
                return lane;
            }

            var tables = new LaneTables();
            var writers = _sink.BatchesInFlightPerTable;
            if (writers < 1)
            {
                throw new InvalidOperationException($"Sink '{_sink.Name}' says it takes {writers} batches of a table at once; it must take at least 1.");
            }

            // One lane for every table cannot step around a stalled table: there the bound always applies.
            lane = new SinkLane((batch, self) => WriteAsync(batch, self, tables), _sink.WritesTablesConcurrently, _holds, writers, _cancellationToken);
            lane.Completion.ContinueWith(
                static (t, s) =>
                {
                    if (t.IsFaulted)
                    {
                        ((SinkStage)s!)._done.TrySetException(t.Exception!.InnerExceptions);
                    }
                },
                this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            _lanes[key] = lane;
            return lane;
        }
    }

    private void CompleteLanes(Task router)
    {
        Task[] lanes;
        lock (_gate)
        {
            foreach (var lane in _lanes.Values)
            {
                lane.Complete();
            }

            lanes = [router, .. _lanes.Values.Select(static l => l.Completion)];
        }

        Task.WhenAll(lanes).ContinueWith(
            static (t, s) =>
            {
                var done = ((SinkStage)s!)._done;
                if (t.IsFaulted)
                {
                    done.TrySetException(t.Exception!.InnerExceptions);
                }
                else if (t.IsCanceled)
                {
                    done.TrySetCanceled();
                }
                else
                {
                    done.TrySetResult();
                }
            },
            this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task WriteAsync(RowBatch<IngestRecord> batch, SinkLane lane, LaneTables tables)
    {
        var cancellationToken = _cancellationToken;
        var started = _time.GetTimestamp();
        var table = batch.Key;
        var records = WithoutSuperseded(batch.Items);
        if (records.Count == 0)
        {
            return;
        }

        var snapshot = _catalog.Get(table).Current;
        if (!tables.IsReady(table, snapshot.Version))
        {
            // Batches a lane writes at once ensure a table one at a time: the sink adds a column once, and the schema
            // state hears of each version once, in order.
            await tables.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                snapshot = _catalog.Get(table).Current;
                if (!tables.IsReady(table, snapshot.Version))
                {
                    await EnsureAsync(table, snapshot, lane, cancellationToken).ConfigureAwait(false);
                    tables.Ready(table, snapshot.Version);
                }
            }
            finally
            {
                tables.Gate.Release();
            }
        }

        // Rented: at 5,000 rows the array is on the large object heap, and a new one per batch drove gen2 collections.
        var rows = ArrayPool<SinkRow>.Shared.Rent(records.Count);
        var oldest = DateTimeOffset.MaxValue;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            rows[i] = new SinkRow(record.Partition, record.Offset, record.Timestamp, record.Row!);
            oldest = record.Timestamp < oldest ? record.Timestamp : oldest;
        }

        var topic = records[0].Topic;
        // DoneBelow reads the tracker when the sink asks, so a try that waits for dead letters to be acknowledged (the
        // BigQuery sink's refused offsets) sees them done on a later try.
        var sinkBatch = new SinkBatch(table, topic, snapshot.Columns, new ArraySegment<SinkRow>(rows, 0, records.Count))
        {
            DoneBelow = partition => _completion.DoneBelow(topic, partition),
        };
        var attempts = new StrongBox<int>(-1);
        var writeStarted = _time.GetTimestamp();
        SinkBatchResult result;
        try
        {
            result = await _retry.ExecuteAsync(
                static (s, ct) => s.sink.WriteAsync(s.sinkBatch with { Attempt = Attempted(s.lane, s.attempts) }, ct), (sink: _sink, sinkBatch, lane, attempts), cancellationToken);
        }
        finally
        {
            EndAttempts(lane, attempts);
        }

        var writeDuration = _time.GetElapsedTime(writeStarted);
        var acknowledged = _time.GetUtcNow();
        ArrayPool<SinkRow>.Shared.Return(rows, clearArray: true);

        var written = 0;
        var replayed = 0;
        // The rows the sink holds complete first and together (a run per partition); refused ones then wait for the DLQ.
        var done = ArrayPool<IngestRecord>.Shared.Rent(records.Count);
        var doneCount = 0;
        List<int>? refused = null;
        for (var i = 0; i < records.Count; i++)
        {
            switch (result[i])
            {
                case RowOutcome.Written:
                    written++;
                    done[doneCount++] = records[i];
                    break;
                case RowOutcome.AlreadyWritten:
                    replayed++;
                    done[doneCount++] = records[i];
                    break;
                default:
                    (refused ??= []).Add(i);
                    break;
            }
        }

        _completion.Complete(done.AsSpan(0, doneCount));
        for (var i = 0; i < doneCount; i++)
        {
            done[i].Row!.Release();
        }

        ArrayPool<IngestRecord>.Shared.Return(done, clearArray: true);
        foreach (var i in refused ?? [])
        {
            var record = records[i];
            record.Fail(new DeadLetterReason("sink_rejected", result.ErrorFor(i) ?? "rejected by the sink", Name));
            if (!await _deadLetters.SendAsync(record, cancellationToken).ConfigureAwait(false))
            {
                // Declined only by a DLQ block that stopped (it faulted): the row would never complete, and its
                // partition would never commit past it. Faulting this lane stops the pipeline instead.
                throw await DeadLetterFault.RefusedAsync(
                    $"The DLQ stage no longer accepts records, so {record} (refused by the sink: {record.Failure!.Message}) can never complete; stopping rather than leaving its offset open.",
                    _deadLetters,
                    cancellationToken).ConfigureAwait(false);
            }
        }

        _metrics.RecordSunk(table, _sink.Name, written, replayed, oldest, acknowledged);
        _metrics.RecordBatch(table, _sink.Name, records.Count, writeDuration, _time.GetElapsedTime(started));
    }

    /// <summary>
    /// Leaves out records whose partition was assigned here again since they were polled, completing them unwritten
    /// (the tracker ignores their old generation; their budget is freed). The new assignment reads them again from the
    /// committed offset, which is below them: written as well, the two copies could meet in one batch as the same row
    /// twice, and an old copy could race the new one.
    /// </summary>
    private IReadOnlyList<IngestRecord> WithoutSuperseded(IReadOnlyList<IngestRecord> records)
    {
        List<IngestRecord>? kept = null;
        IngestRecord? checkedRun = null;
        var superseded = false;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            // One tracker lookup per run of a partition and assignment: a batch's rows mostly come so.
            if (checkedRun is null || record.Partition != checkedRun.Partition || record.AssignmentGeneration != checkedRun.AssignmentGeneration
                || !string.Equals(record.Topic, checkedRun.Topic, StringComparison.Ordinal))
            {
                checkedRun = record;
                superseded = _completion.IsSuperseded(record);
            }

            if (!superseded)
            {
                kept?.Add(record);
                continue;
            }

            if (kept is null)
            {
                kept = new List<IngestRecord>(records.Count);
                for (var j = 0; j < i; j++)
                {
                    kept.Add(records[j]);
                }
            }

            _completion.Complete(record);
            record.Row!.Release();
        }

        return kept ?? records;
    }

    private async Task EnsureAsync(string table, SchemaSnapshot snapshot, SinkLane lane, CancellationToken cancellationToken)
    {
        var attempts = new StrongBox<int>(-1);
        try
        {
            await _retry.ExecuteAsync(
                static (s, ct) =>
                {
                    Attempted(s.lane, s.attempts);
                    return s.sink.EnsureTableAsync(s.table, s.columns, ct);
                },
                (sink: _sink, table, columns: snapshot.Columns, lane, attempts),
                cancellationToken);
        }
        finally
        {
            EndAttempts(lane, attempts);
        }

        Log.TableReady(_logger, table, snapshot.Columns.Count, snapshot.Version);
        _tableReady?.Invoke(table, snapshot.Columns);
    }

    /// <summary>Counts a try; from the second one on, the lane is stalled on its own table's trouble.</summary>
    private static int Attempted(SinkLane lane, StrongBox<int> attempts)
    {
        if (++attempts.Value == 1)
        {
            lane.Retrying();
        }

        return attempts.Value;
    }

    /// <summary>The tries of one call ended (done, or given up): a call that retried no longer stalls its lane.</summary>
    private static void EndAttempts(SinkLane lane, StrongBox<int> attempts)
    {
        if (attempts.Value > 0)
        {
            lane.Recovered();
        }
    }

    /// <summary>The schema versions a lane's sink confirmed per table, and the gate its concurrent batches ensure through.</summary>
    private sealed class LaneTables
    {
        private readonly ConcurrentDictionary<string, long> _versions = new(StringComparer.Ordinal);

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public bool IsReady(string table, long version) => _versions.TryGetValue(table, out var known) && known >= version;

        public void Ready(string table, long version) => _versions[table] = version;
    }
}
