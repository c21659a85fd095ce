using System.Threading.Tasks.Dataflow;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Batch;
using StreamHeal.CompatFilter;
using StreamHeal.DeadLetter;
using StreamHeal.Decode;
using StreamHeal.Flatten;
using StreamHeal.Kafka;
using StreamHeal.Offsets;
using StreamHeal.Poll;
using StreamHeal.Records;
using StreamHeal.Retry;
using StreamHeal.SchemaState;
using StreamHeal.Sink;
using StreamHeal.Telemetry;
using StreamHeal.Flow;
using StreamHeal.Tables;

namespace StreamHeal.Pipeline;

/// <summary>
/// Wires the graph, top to bottom:
/// <code>
/// poll ─► decode ─► flatten ─► compat-filter ─► batch ─► sink
///            └─────────┴────────────┴──────────────────────┴──► DLQ
/// </code>
/// Records travel from poll to batch in per-partition chunks (<see cref="RecordChunk"/>); a failed record leaves its
/// chunk for the DLQ alone. Every block is bounded; the in-flight budget bounds the whole. Retries happen in place in the stage that owns the
/// dependency (sink batches, DLQ sends), so a record waiting on a retry keeps its slot and its partition's order and
/// nothing re-enters an upstream block. A block fed by several sources completes only when all of them have.
/// </summary>
public sealed class IngestionPipeline : IAsyncDisposable
{
    private readonly PipelineSettings _settings;
    private readonly ISink _sink;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Func<double> _random;
    private readonly OffsetTracker _tracker = new();
    private readonly InFlightBudget _budget;
    // Value arrays: rented by the consumer's deserializer, returned when their records are done. The budget counts
    // three times a value per record, so an eighth of it covers the values in flight at the budget's bound.
    private readonly ValuePool _values;
    private readonly SchemaCatalog _catalog = new();
    private readonly bool _ownsMetrics;
    private readonly SchemaRegistrar? _registrar;
    private readonly SchemaRegistry.SchemaCache? _registrySchemas;
    private static readonly TimeSpan DegradedAfterFailure = TimeSpan.FromSeconds(10);

    // Not a timestamp: elapsed time from long.MinValue overflows to a negative span, which read as "failed just now".
    private const long NeverFailed = long.MinValue;
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);
    private const string DeadLetterProducerName = "dlq-producer";
    private readonly FatalErrorWatch _deadLetterFatal = new();

    // Free field arrays kept per size: about the rows in flight at full speed (a few stage queues and open batches).
    // More in flight during a stall are allocated and left to the GC when they come back.
    private const int MaxPooledRowsPerSize = 16_384;
    private const long MaxPooledValueBytes = 32L * 1024 * 1024;
    private readonly TopicHolds? _holds;
    private readonly IPipelineObserver? _observer;
    private PollLoop? _poll;
    private volatile bool _running;
    private volatile string? _failure;
    private volatile bool _sinkReconciled;
    private volatile Task? _polling;
    private CancellationToken _stop;
    // When each dependency (sink, DLQ, schema registry) last failed an attempt.
    private readonly long[] _lastFailure = [NeverFailed, NeverFailed, NeverFailed];
    private readonly DependencyRetry?[] _retries = new DependencyRetry?[3];
    private static readonly string[] DependencyNames = [Dependency.Sink, Dependency.DeadLetter, Dependency.SchemaRegistry];
    private readonly TableColumnsSeen _columnsSeen = new();
    private const int SinkDependency = 0;
    private const int DeadLetterDependency = 1;
    private const int RegistryDependency = 2;
    private Func<string>? _describe;
    // Until the DLQ stage exists nothing else uses the DLQ producer; after that, the stage must have stopped before it closes.
    private Task _deadLetterStage = Task.CompletedTask;

    /// <param name="registrar">The Schema Registry holding the tables' schema state; null keeps it in this process only.</param>
    /// <param name="registrySchemas">Writer schemas for Avro values in the Confluent wire format; null dead-letters them.</param>
    /// <param name="holds">Topics the sink holds (their partitions stay paused); give the sink the same instance.</param>
    /// <param name="observer">Told of outages and failures as they happen (alerting); null tells nobody.</param>
    /// <param name="quarantineCounts">Where quarantined fields are counted; pipelines restarted in-process share one. Null starts a new count.</param>
    public IngestionPipeline(
        PipelineSettings settings, ISink sink, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null, Func<double>? random = null,
        PipelineMetrics? metrics = null, SchemaRegistrar? registrar = null, SchemaRegistry.SchemaCache? registrySchemas = null,
        TopicHolds? holds = null, IPipelineObserver? observer = null, QuarantineCounts? quarantineCounts = null)
    {
        _observer = observer;
        QuarantineCounts = quarantineCounts ?? new QuarantineCounts();
        _holds = holds;
        _registrar = registrar;
        _registrySchemas = registrySchemas;
        _settings = settings;
        _sink = sink;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("StreamHeal.Pipeline");
        _timeProvider = timeProvider ?? TimeProvider.System;
        _random = random ?? Random.Shared.NextDouble;
        _ownsMetrics = metrics is null;
        Metrics = metrics ?? new PipelineMetrics();
        _budget = new InFlightBudget(settings.Pipeline.InFlightBytes, settings.Pipeline.InFlightRecords, settings.Pipeline.ResumeBelowPercent);
        _values = new ValuePool(Math.Min(settings.Pipeline.InFlightBytes / 8, MaxPooledValueBytes));
    }

    public PipelineMetrics Metrics { get; }

    /// <summary>
    /// How long the blocks get to finish once the poll loop stopped; past it, what they hold is abandoned (never committed,
    /// so redelivered). Tests shorten it to provoke the abandon path.
    /// </summary>
    internal TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wraps the DLQ producer once it is built: tests make its sends hang to hold the DLQ stage past the stop bound.</summary>
    internal Func<IProducer<byte[]?, byte[]?>, IProducer<byte[]?, byte[]?>>? DeadLetterProducerWrapper { get; init; }

    /// <summary>Fields removed from rows, per table, field and reason.</summary>
    public QuarantineCounts QuarantineCounts { get; }

    public PipelineStatus Status => new(
        Metrics.Polled,
        Metrics.Sunk,
        Metrics.DeadLettered,
        Metrics.Tombstones,
        _budget.Records,
        _budget.Bytes,
        _poll?.Lag ?? 0,
        _poll?.Assignment.Count ?? 0,
        _poll?.IsPaused ?? false,
        Metrics.SinkRetries,
        Metrics.DeadLetterRetries,
        Metrics.OffsetResets,
        _running,
        _failure)
    {
        Degraded = DependencyFailedRecently() || (_registrar?.Degraded ?? false) || (_poll?.KafkaConditions ?? 0) > 0,
        Retrying = RetryingDependencies(),
        PollLoop = _polling switch
        {
            null => PollLoopState.NotStarted,
            { IsCompleted: true } => PollLoopState.Ended,
            _ => PollLoopState.Running,
        },
        SinkReconciled = _sinkReconciled,
        Stopping = _stop.IsCancellationRequested,
    };

    private bool DependencyFailedRecently() =>
        FailedRecently(SinkDependency) || FailedRecently(DeadLetterDependency) || FailedRecently(RegistryDependency);

    /// <summary>A failure in the last seconds, or a call still retried after one (its backoff can be longer).</summary>
    private bool FailedRecently(int dependency)
    {
        var last = Interlocked.Read(ref _lastFailure[dependency]);
        return (last != NeverFailed && _timeProvider.GetElapsedTime(last) < DegradedAfterFailure) || IsRetrying(dependency);
    }

    private bool IsRetrying(int dependency) => Volatile.Read(ref _retries[dependency]) is { Retrying: > 0 };

    private List<string> RetryingDependencies()
    {
        var retrying = new List<string>(0);
        for (var dependency = 0; dependency < _retries.Length; dependency++)
        {
            if (IsRetrying(dependency))
            {
                retrying.Add(DependencyNames[dependency]);
            }
        }

        return retrying;
    }

    /// <summary>Offsets polled and not yet finished on the partitions this member owns; what tests' leak checks read.</summary>
    /// <summary>
    /// Offsets the tracker waits on: while running, now; after the stop, what was still pending when the poll loop
    /// stopped (leaving the group forgets every partition, so the tracker itself is empty by then).
    /// </summary>
    internal int PendingOffsets => _poll is { PendingAtShutdown: >= 0 } poll ? poll.PendingAtShutdown : _tracker.TotalPending;

    /// <summary>Per owned partition: lag, commit lag, position and committable offset; refreshed about once a second.</summary>
    public IReadOnlyList<PartitionGauge> PartitionGauges => _poll?.PartitionGauges ?? [];

    /// <summary>The Kafka client's latest statistics JSON (set <c>kafka.properties.statistics.interval.ms</c>), or null.</summary>
    public string? KafkaStatistics => _poll?.Statistics;

    /// <summary>Where records are right now, stage by stage; for logs when something takes too long.</summary>
    public string Describe() => _describe?.Invoke() ?? "not started";

    /// <summary>
    /// Runs until <paramref name="stop"/> fires, then drains, commits and leaves the group. Throws when the pipeline
    /// cannot continue (a fatal Kafka error, a schema conflict, a duplicate row, a DLQ topic that refuses writes).
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        _stop = stop;
        var tables = TablesByTopic(_settings.Kafka.Topics);
        Metrics.Start(tables, _sink.Name);
        var kafkaLogger = _loggerFactory.CreateLogger("StreamHeal.Kafka");
        var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaConfigBuilder.DeadLetterProducer(_settings.Kafka, _settings.DeadLetter.MaxMessageBytes))
            .SetLogHandler((_, m) => KafkaClientLog.Log(kafkaLogger, DeadLetterProducerName, m))
            .SetErrorHandler((_, e) =>
            {
                _deadLetterFatal.Observe(e);
                KafkaClientLog.Error(kafkaLogger, DeadLetterProducerName, e);
            })
            .Build();
        producer = DeadLetterProducerWrapper?.Invoke(producer) ?? producer;
        try
        {
            await RunWithProducerAsync(producer, tables, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && _polling is null)
        {
            // Stopped during start-up (the DLQ probe, the sink's reconciliation): nothing was read, so there is nothing
            // to drain or commit, and a stop is not a failure.
        }
        finally
        {
            await CloseDeadLetterProducerAsync(producer, _deadLetterStage);
        }
    }

    private async Task RunWithProducerAsync(IProducer<byte[]?, byte[]?> producer, Dictionary<string, string> tables, CancellationToken stop)
    {
        var options = _settings.Pipeline;
        await DeadLetterProbe.CheckAsync(producer, _settings.Kafka.Topics.Select(_settings.DeadLetter.TopicFor), _settings.DeadLetter.StartupCheckTimeout, stop, _logger, _timeProvider, _deadLetterFatal);
        var sinkRetry = Retry(SinkDependency, static e => e is SinkUnavailableException, (attempt, delay, e) =>
        {
            Metrics.RecordSinkRetry();
            _observer?.SinkRetry(_sink.Name, e.Message);
            Log.SinkUnavailable(_logger, _sink.Name, "*", attempt + 1, delay, e.Message);
        });

        await ReconcileAsync(tables, sinkRetry, stop);
        _sinkReconciled = true;

        using var abort = new CancellationTokenSource();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var token = abort.Token;
        var completion = new RecordCompletion(_tracker, _budget, _values);
        var capacity = options.StageCapacity;
        // Rows' field arrays are rented here and given back by the sink stage once their rows are confirmed.
        var rowPool = new FlatFieldPool(Math.Min(options.InFlightRecords, MaxPooledRowsPerSize));

        var registryRetry = Retry(RegistryDependency, SchemaRegistry.SchemaRegistryErrors.IsTransient, (attempt, delay, e) =>
        {
            Metrics.RecordRegistryRetry();
            Log.RegistryUnavailable(_logger, attempt + 1, delay, e.Message);
        });
        var decoder = new JsonDecoder(_settings.Decode);
        var flattener = new Flattener(_settings.Flatten, rowPool);
        var jsonLimits = new JsonLimits(decoder.MaxDepth, decoder.MaxFields);
        var avro = _registrySchemas is null
            ? null
            : new AvroEventDecoder(
                _registrySchemas,
                new Decode.Avro.AvroDecoders(_settings.Flatten, _registrySchemas.Capacity, rowPool),
                registryRetry,
                new FramedJsonReader(decoder, json => flattener.TryFlatten(json, jsonLimits)));
        var deadLetterRetry = Retry(DeadLetterDependency, KafkaErrors.IsTransientProduceFailure, (attempt, delay, e) =>
        {
            Metrics.RecordDeadLetterRetry();
            _observer?.DeadLetterRetry(e.Message);
            Log.DeadLetterRetry(_logger, "dlq", attempt + 1, delay, e.Message);
        });
        var deadLetters = DeadLetterStage.Create(
            producer, _settings.DeadLetter, new DeadLetterMessageBuilder(_settings.Kafka.GroupId, _timeProvider),
            deadLetterRetry,
            completion, Metrics, _logger, options.DeadLetterParallelism, capacity, token, _deadLetterFatal);
        _deadLetterStage = deadLetters.Completion;
        var chunks = ChunkCapacity(capacity);
        var decode = DecodeStage.Create(decoder, avro, completion, deadLetters, Metrics, options.DecodeParallelism, chunks, token);
        var flatten = FlattenStage.Create(
            flattener, jsonLimits,
            decoder.Refusal,
            deadLetters, options.FlattenParallelism, chunks, token);
        var compat = CompatFilterStage.Create(
            new CompatFilter.CompatFilter(_settings.Schema), _settings.Schema.Policy, _catalog, _registrar, QuarantineCounts, deadLetters, Metrics, _logger,
            options.CompatFilterParallelism, chunks, token, _observer is null ? null : ReportTypeFlip);
        await using var batch = new BatchStage(_settings.Batch, _timeProvider, chunks, token);
        var sink = new SinkStage(
            _sink, _catalog, sinkRetry,
            completion, deadLetters, Metrics, _logger, options.SinkQueueBatches, token, _timeProvider, _observer is null ? null : ReportAddedColumns, _holds);

        // Failed records leave each stage for the DLQ block on their own (see ChunkRouting); the links carry chunks.
        ChunkRouting.LinkOn(decode, flatten);
        ChunkRouting.LinkOn(flatten, compat);
        ChunkRouting.LinkOn(compat, batch.Target);
        batch.Source.LinkTo(sink.Target, new DataflowLinkOptions { PropagateCompletion = true });
        CompleteWhenAll(deadLetters, decode.Completion, flatten.Completion, compat.Completion, sink.Completion);

        _describe = () => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"chunks in/out: decode {decode.InputCount}/{decode.OutputCount}, flatten {flatten.InputCount}/{flatten.OutputCount}, compat-filter {compat.InputCount}/{compat.OutputCount}; batch open rows {batch.PendingRows}, sink queue {sink.InputCount}, dlq queue {deadLetters.InputCount}, tracker pending {_tracker.TotalPending}");
        ObserveGauges(tables, [("decode", decode, chunks), ("flatten", flatten, chunks), ("compat_filter", compat, chunks)],
            () => batch.PendingRows, sink, deadLetters, sinkRetry, deadLetterRetry, _registrySchemas is null && _registrar is null ? null : registryRetry);
        var blocks = new[] { decode.Completion, flatten.Completion, compat.Completion, batch.Target.Completion, sink.Completion, deadLetters.Completion };
        var drained = Task.WhenAll(blocks);
        var watcher = WatchForFaultsAsync(blocks, failed, abort);

        _running = true;
        try
        {
            // Kept as a task so the status (and liveness) can tell a poll loop that ended from one that runs.
            var polling = PollAsync(decode, drained, failed.Token, abort);
            _polling = polling;
            await polling;
        }
        finally
        {
            _running = false;
            abort.Cancel();
            // Cancelled blocks stop at their next await; one stuck in a call that ignores cancellation must not keep the
            // process from exiting. What it held was never committed, so it is redelivered.
            if (!await CompletesWithinAsync(drained, StopTimeout))
            {
                Log.StopTimedOut(_logger, StopTimeout.TotalSeconds, Describe());
            }
            else
            {
                await watcher;
            }
        }

        if (FirstFault(blocks) is { } fault)
        {
            throw new PipelineFailedException(_failure ?? fault.Message, fault);
        }
    }

    /// <summary>
    /// Runs the poll loop; when the watchdog asked for a new consumer (<see cref="RecreateConsumer"/>), the loop hands
    /// over and another one, with a new consumer that joins the group again, takes the same graph.
    /// </summary>
    private async Task PollAsync(ITargetBlock<RecordChunk> decode, Task drained, CancellationToken stop, CancellationTokenSource abort)
    {
        var options = _settings.Pipeline;
        while (true)
        {
            using var poll = new PollLoop(
                PollOptionsFor(_settings.Kafka, options), KafkaConsumerFactory.For(_settings.Kafka, options.PrefetchKBytes, _values), decode, _tracker, _budget,
                Metrics, _loggerFactory.CreateLogger("StreamHeal.Poll"), _timeProvider, _holds, _sink.PartitionsAssigned);
            _poll = poll;
            await poll.RunAsync(stop, decode.Complete, drained, abort.Cancel);
            if (!poll.Recreated)
            {
                return;
            }

            Log.ConsumerRecreated(_logger);
        }
    }

    /// <summary>
    /// Asks the running poll loop to leave the group and hand over to a new Kafka consumer (the stall watchdog's
    /// first step). False when no poll loop runs.
    /// </summary>
    public bool RecreateConsumer()
    {
        if (_poll is not { } poll || _polling is not { IsCompleted: false } || _stop.IsCancellationRequested)
        {
            return false;
        }

        poll.Recreate();
        return true;
    }

    /// <summary>
    /// Flushes and destroys the DLQ producer once the DLQ stage has stopped, within <see cref="CloseTimeout"/>. A stage
    /// still running past the stop bound is using the producer, and a flush or destroy that hangs (librdkafka waits on
    /// brokers) would hold the process: in both cases the producer is left to the process and that is logged. Records
    /// whose DLQ send was not acknowledged were never completed, so they are redelivered.
    /// </summary>
    private async Task CloseDeadLetterProducerAsync(IProducer<byte[]?, byte[]?> producer, Task deadLetterStage)
    {
        if (!deadLetterStage.IsCompleted)
        {
            Log.DisposalAbandoned(_logger, DeadLetterProducerName, "the DLQ stage is still sending through it after the stop bound");
            return;
        }

        var close = Task.Factory.StartNew(
            static state =>
            {
                var (producer, logger) = ((IProducer<byte[]?, byte[]?>, ILogger))state!;
                var unsent = producer.Flush(FlushTimeout);
                if (unsent > 0)
                {
                    Log.DeadLetterUnflushed(logger, unsent, FlushTimeout.TotalSeconds);
                }

                producer.Dispose();
            },
            (producer, _logger),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        if (!await CompletesWithinAsync(close, CloseTimeout))
        {
            Log.DisposalAbandoned(_logger, DeadLetterProducerName, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"flushing and closing it took longer than {CloseTimeout.TotalSeconds} s"));
        }
        else if (close.Exception?.GetBaseException() is { } error)
        {
            Log.DisposalFailed(_logger, DeadLetterProducerName, error.Message, error);
        }
    }

    /// <summary>True when <paramref name="task"/> finished (in any state) within <paramref name="timeout"/> on the injected clock.</summary>
    private async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout)
    {
        var finished = task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await finished.WaitAsync(timeout, _timeProvider).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reconciles each table's schema state with what the sink already has; a sink that is down at start-up is waited
    /// for like any outage. A column whose type differs between the two is fatal: types never change.
    /// </summary>
    private async Task ReconcileAsync(Dictionary<string, string> tables, DependencyRetry sinkRetry, CancellationToken stop)
    {
        foreach (var (topic, table) in tables)
        {
            var sinkColumns = await sinkRetry.ExecuteAsync(static (s, ct) => s.Item1.EnsureTableAsync(s.table, [], ct), (_sink, table), stop);
            if (_registrar is null)
            {
                _catalog.Seed(table, sinkColumns);
                continue;
            }

            if (string.Equals(_registrar.SubjectFor(table), topic + "-value", StringComparison.Ordinal))
            {
                throw new PipelineFailedException($"schemaState.subjectTemplate gives '{topic}-value' for table '{table}': that subject belongs to the producers of '{topic}'. Choose another template.", null);
            }

            var schema = _catalog.Seed(table, await _registrar.LoadAsync(table, stop));
            foreach (var conflict in schema.Merge(sinkColumns))
            {
                throw new SinkSchemaConflictException(table, conflict.Name, conflict.Existing, ColumnTypeNames.SqlName(conflict.Other));
            }
        }

        foreach (var table in tables.Values)
        {
            _columnsSeen.Seed(table, _catalog.Get(table).Current.Columns);
        }

        foreach (var (topic, table) in tables)
        {
            // Rows at or below these offsets are skipped as already written when Kafka redelivers them.
            var held = await sinkRetry.ExecuteAsync(static (s, ct) => s.Item1.GetResumeOffsetsAsync(s.table, s.topic, ct), (_sink, table, topic), stop);
            Log.SinkPositions(_logger, table, topic, held.Count == 0 ? "none" : string.Join(", ", held.OrderBy(static p => p.Key).Select(static p => $"{p.Key}@{p.Value}")));
        }
    }

    private void ReportTypeFlip(IngestRecord record, QuarantinedField field)
    {
        if (field.Reason == QuarantineReasons.TypeFlip)
        {
            _observer!.TypeFlip(record.Table, field.Name, field.ExpectedType ?? "", field.ActualType ?? "", record.Partition, record.Offset, field.Value);
        }
    }

    private void ReportAddedColumns(string table, IReadOnlyList<TableColumn> columns)
    {
        foreach (var column in _columnsSeen.Add(table, columns))
        {
            _observer!.ColumnAdded(table, column.Name, ColumnTypeNames.SqlName(column.Type));
        }
    }

    private DependencyRetry Retry(int dependency, Func<Exception, bool> isTransient, Action<int, TimeSpan, Exception> onRetry)
    {
        var retry = new DependencyRetry(_settings.Retry, isTransient, (attempt, delay, e) =>
        {
            Interlocked.Exchange(ref _lastFailure[dependency], _timeProvider.GetTimestamp());
            onRetry(attempt, delay, e);
        }, _timeProvider, _random);
        Volatile.Write(ref _retries[dependency], retry);
        return retry;
    }

    private async Task WatchForFaultsAsync(Task[] blocks, CancellationTokenSource failed, CancellationTokenSource abort)
    {
        var pending = new List<Task>(blocks);
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (done.IsFaulted && _failure is null)
            {
                var error = DeadLetterFault.Cause(done.Exception!.GetBaseException());
                _failure = error.Message;
                Log.PipelineFailed(_logger, error.Message, error);
                _observer?.Failed(error.Message);
                failed.Cancel();
                abort.Cancel();
            }
        }
    }

    /// <summary>Lets the metrics read the running graph: queues, the budget, partitions, dependencies and tables.</summary>
    private void ObserveGauges(
        Dictionary<string, string> tables, (string Stage, TransformBlock<RecordChunk, RecordChunk> Block, int Capacity)[] stages, Func<int> batchRows,
        SinkStage sink, ActionBlock<IngestRecord> deadLetters, DependencyRetry sinkRetry, DependencyRetry deadLetterRetry, DependencyRetry? registryRetry)
    {
        var options = _settings.Pipeline;
        Metrics.Observe(new PipelineGauges
        {
            Budget = _budget,
            StageQueues = () =>
            [
                .. stages.Select(static s => new StageQueue(s.Stage, s.Block.InputCount, s.Capacity)),
                new StageQueue("batch", batchRows(), options.StageCapacity),
                new StageQueue(SinkStage.Name, sink.InputCount, options.SinkQueueBatches),
                new StageQueue("dead_letter", deadLetters.InputCount, options.StageCapacity),
            ],
            Partitions = () => _poll?.PartitionGauges ?? [],
            AssignedPartitions = () => _poll?.Assignment.Count ?? 0,
            Dependencies = () =>
            [
                new DependencyState(Dependency.Sink, FailedRecently(SinkDependency), sinkRetry.CircuitState),
                new DependencyState(Dependency.DeadLetter, FailedRecently(DeadLetterDependency), deadLetterRetry.CircuitState),
                new DependencyState(Dependency.Kafka, (_poll?.KafkaConditions ?? 0) > 0, null),
                .. registryRetry is null
                    ? Array.Empty<DependencyState>()
                    : [new DependencyState(Dependency.SchemaRegistry, FailedRecently(RegistryDependency) || (_registrar?.Degraded ?? false), registryRetry.CircuitState)],
            ],
            Tables = () => tables.Values.Select(table =>
            {
                var columns = _catalog.Get(table).Current.Columns.Count;
                return new TableGauge(table, columns, Math.Max(0, columns - (_columnsSeen.SeededCount(table) ?? columns)));
            }),
            BigQuery = (_sink as Sink.BigQuery.BigQuerySink)?.Stats,
            Registrations = _registrar?.Registrations,
        });
    }

    private static Exception? FirstFault(Task[] blocks)
    {
        foreach (var block in blocks)
        {
            if (block.IsFaulted)
            {
                return DeadLetterFault.Cause(block.Exception!.GetBaseException());
            }
        }

        return null;
    }

    private static void CompleteWhenAll(IDataflowBlock target, params Task[] sources) =>
        Task.WhenAll(sources).ContinueWith(
            static (_, t) => ((IDataflowBlock)t!).Complete(),
            target,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>
    /// Chunks a record stage holds for a stage capacity of <paramref name="records"/>. A poll burst gave chunks of about
    /// 40 records on the harness's 64 partitions, so a bound of full 256-record chunks left each stage a few hundred
    /// records deep and idle half the time (−20 % events/s, measured); a 32-record chunk as the unit keeps them about as
    /// deep as before chunks. The in-flight budget still bounds the records and bytes in the whole graph.
    /// </summary>
    internal static int ChunkCapacity(int records) => Math.Max(2, records / 32);

    private static PollOptions PollOptionsFor(KafkaOptions kafka, PipelineOptions pipeline) => new()
    {
        Topics = kafka.Topics,
        BootstrapServers = kafka.BootstrapServers,
        GroupId = kafka.GroupId,
        StartFrom = kafka.StartFrom,
        DrainTimeout = pipeline.DrainTimeout,
        RevokeDrainTimeout = pipeline.RevokeDrainTimeout,
        HoldLimit = pipeline.StageCapacity,
        FatalAfter = kafka.FatalAfter,
        JoinWarningAfter = TimeSpan.FromMilliseconds(kafka.SessionTimeoutMs * 3L),
    };

    private static Dictionary<string, string> TablesByTopic(IReadOnlyList<string> topics)
    {
        var tables = new Dictionary<string, string>(StringComparer.Ordinal);
        var owners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var topic in topics)
        {
            var table = TableNames.ForTopic(topic);
            if (owners.TryGetValue(table, out var other) && other != topic)
            {
                throw new PipelineFailedException($"kafka.topics: '{topic}' and '{other}' both map to table '{table}'; ingest them in separate services or rename one.", null);
            }

            owners[table] = topic;
            tables[topic] = table;
        }

        return tables;
    }

    public ValueTask DisposeAsync()
    {
        if (_ownsMetrics)
        {
            Metrics.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>The pipeline stopped because it cannot go on safely; the message says why and what to change.</summary>
public sealed class PipelineFailedException(string message, Exception? inner) : Exception(message, inner);
