using System.Threading.Tasks.Dataflow;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using StreamHeal.Offsets;
using StreamHeal.Telemetry;
using StreamHeal.Flow;

namespace StreamHeal.Poll;

/// <summary>
/// Poll: the one thread that owns the Kafka consumer. Each turn it hands held records to decode in per-partition chunks, pauses or resumes for
/// backpressure, polls once, routes what came back (a record, or an error through <see cref="KafkaErrors.ClassifyConsume"/>),
/// stores advanced watermarks and watches Kafka conditions. On stop it drains, commits synchronously and leaves the group.
/// The rules live in the parts it composes: <see cref="RecordAdmission"/>, <see cref="HoldQueue"/>, <see cref="PauseDecision"/>,
/// <see cref="RebalanceHandler"/>, <see cref="OffsetCommitter"/>, <see cref="OffsetResetHandler"/>, <see cref="KafkaConditions"/>,
/// <see cref="LagReader"/>.
/// </summary>
public sealed class PollLoop : IDisposable
{
    private readonly PollOptions _options;
    private readonly ITargetBlock<RecordChunk> _decode;
    private readonly OffsetTracker _tracker;
    private readonly InFlightBudget _budget;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly Func<string, TimeSpan, bool> _brokersAnswer;
    private readonly PartitionPositions _positions;
    private readonly HoldQueue _held;
    private readonly KafkaConditions _conditions;
    private readonly OffsetCommitter _committer;
    private readonly RebalanceHandler _rebalance;
    private readonly OffsetResetHandler _resets;
    private readonly RecordAdmission _admission;
    private readonly TopicHoldGate _holds;
    private readonly LagReader _lag;
    private long _blockedSince;
    private long _lastProbe;
    private long _started;
    private bool _joinWarned;
    private bool _everAssigned;
    private bool _paused;
    private Error? _fatal;
    private KafkaConditionSnapshot? _expired;
    private bool _closeAbandoned;
    private string? _statistics;
    private volatile bool _recreate;

    // Records one turn takes from librdkafka without waiting, at most.
    private const int MaxBurst = RecordChunk.MaxRecords;

    /// <param name="onAssigned">Told the partitions of each topic this member is given (the sink prepares their streams).</param>
    public PollLoop(
        PollOptions options,
        ConsumerFactory consumerFactory,
        ITargetBlock<RecordChunk> decode,
        OffsetTracker tracker,
        InFlightBudget budget,
        PipelineMetrics metrics,
        ILogger logger,
        TimeProvider timeProvider,
        TopicHolds? holds = null,
        Action<string, IReadOnlyList<int>>? onAssigned = null)
    {
        _options = options;
        _decode = decode;
        _tracker = tracker;
        _budget = budget;
        _metrics = metrics;
        _logger = logger;
        _time = timeProvider;
        _positions = new PartitionPositions(tracker);
        _held = new HoldQueue(options.HoldLimit);
        _conditions = new KafkaConditions(options, metrics, logger, timeProvider);
        // The callbacks run inside Consume and Close, so the parts they reach exist by then.
        var consumer = consumerFactory(new ConsumerCallbacks(
            OnError,
            OnLog,
            (c, p) => _rebalance!.OnAssigned(c, p),
            (c, p) => _rebalance!.OnRevoked(c, p),
            (c, p) => _rebalance!.OnLost(c, p),
            json => Volatile.Write(ref _statistics, json)));
        _consumer = consumer.Consumer;
        _brokersAnswer = consumer.BrokersAnswer;
        _committer = new OffsetCommitter(_consumer, tracker, _positions, options, logger, timeProvider);
        _rebalance = new RebalanceHandler(_positions, tracker, _held, budget, _committer, _conditions, metrics, options, logger, timeProvider, onAssigned);
        _resets = new OffsetResetHandler(_consumer, _positions, tracker, metrics, options, logger, timeProvider);
        _admission = new RecordAdmission(_held, _positions, tracker, budget, metrics, _conditions);
        _holds = new TopicHoldGate(_consumer, holds, logger);
        _lag = new LagReader(_consumer, _positions, tracker, p => _paused || _holds.Held.Contains(p), timeProvider, _admission.PassTo);
    }

    /// <summary>True while every assigned partition is paused for backpressure.</summary>
    public bool IsPaused => Volatile.Read(ref _paused);

    /// <summary>The latest librdkafka statistics JSON, or null unless <c>statistics.interval.ms</c> is configured.</summary>
    public string? Statistics => Volatile.Read(ref _statistics);

    /// <summary>Records behind the high watermark over the assigned partitions, refreshed about once a second.</summary>
    public long Lag => _lag.Lag;

    /// <summary>Per owned partition: lag, commit lag, paused, last progress; refreshed about once a second.</summary>
    public IReadOnlyList<PartitionGauge> PartitionGauges => _lag.Partitions;

    /// <summary>Partition- or broker-level Kafka conditions in force right now (the pipeline is DEGRADED while any is).</summary>
    public int KafkaConditions => _conditions.Active;

    /// <summary>Partitions this member owns right now (a copy; safe to read from any thread).</summary>
    public IReadOnlyList<TopicPartition> Assignment => _positions.Snapshot;

    /// <summary>
    /// Asks the loop to hand over to a new consumer (the stall watchdog's first step): at its next turn it stops
    /// without completing the pipeline's input, stores what is complete and leaves the group; <see cref="RunAsync"/>
    /// then returns with <see cref="Recreated"/> set, and the owner starts another loop on the same graph. Records of
    /// this consumer still in flight finish under a revoked generation and are read again from the committed offsets
    /// (the sinks skip what they already hold). Any thread.
    /// </summary>
    public void Recreate() => _recreate = true;

    /// <summary>True when the loop ended because <see cref="Recreate"/> asked it to, not because of a stop.</summary>
    public bool Recreated { get; private set; }

    /// <summary>
    /// Runs the loop on a dedicated thread until <paramref name="stop"/> fires, then stops the input, waits up to the
    /// drain timeout for <paramref name="drained"/>, commits what is complete and leaves the group.
    /// </summary>
    /// <exception cref="KafkaException">A fatal Kafka error.</exception>
    /// <exception cref="KafkaConditionException">A Kafka condition lasted past kafka.fatalAfter.</exception>
    public async Task RunAsync(CancellationToken stop, Action completeInput, Task drained, Action abortPipeline)
    {
        await OnOwnThread(() => Run(stop, completeInput, drained, abortPipeline));
        await CloseAsync();
        if (_fatal is { } fatal)
        {
            throw new KafkaException(fatal);
        }

        if (_expired is { } expired)
        {
            throw new KafkaConditionException(Describe(expired));
        }
    }

    private static Task OnOwnThread(Action work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>
    /// Leaves the group. librdkafka's close has been seen to block for good inside its own rebalance handling (an
    /// unassign, a commit) when another member left in the same moment, so the wait is bounded: offsets are already
    /// committed, and a member that never says goodbye is dropped by the group after its session timeout.
    /// </summary>
    private async Task CloseAsync()
    {
        var close = OnOwnThread(() =>
        {
            try
            {
                _consumer.Close();
            }
            catch (KafkaException e)
            {
                Log.KafkaError(_logger, e.Error.Code, $"leaving the group: {e.Error.Reason}");
            }
        });
        try
        {
            await close.WaitAsync(_options.CloseTimeout, _time);
        }
        catch (TimeoutException)
        {
            _closeAbandoned = true;
            Log.CloseTimedOut(_logger, _options.CloseTimeout.TotalSeconds);
        }
    }

    /// <summary>
    /// Offsets registered, sent into the pipeline and never completed when the loop stopped (after the drain); −1 until
    /// then. Records still held back by the loop at the stop are not counted: they never entered the pipeline.
    /// </summary>
    public int PendingAtShutdown { get; private set; } = -1;

    private void Run(CancellationToken stop, Action completeInput, Task drained, Action abortPipeline)
    {
        _consumer.Subscribe(_options.Topics);
        _started = _time.GetTimestamp();
        while (!stop.IsCancellationRequested && _fatal is null && _expired is null && !drained.IsCompleted && !_recreate)
        {
            try
            {
                PollOnce();
            }
            catch (ConsumeException e)
            {
                OnConsumeError(e);
            }
#pragma warning disable CA1031 // Nothing but a fatal Kafka error or an expired condition may end the loop; every failure is logged.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                Log.ConsumeFailed(_logger, _held.Oldest?.ToString() ?? "poll loop", e.Message, e);
            }

            WatchConditions();
        }

        if (_recreate && !stop.IsCancellationRequested && _fatal is null && _expired is null && !drained.IsCompleted)
        {
            HandOver();
            return;
        }

        Shutdown(completeInput, drained, abortPipeline);
    }

    /// <summary>
    /// Leaves the pipeline running for the next consumer: no drain and no synchronous commit, because a consumer that
    /// stopped receiving may be stuck on the very connection a commit would use. What is complete is stored, and the
    /// close sends it if it can; anything else is read again by the next consumer.
    /// </summary>
    private void HandOver()
    {
        _held.Clear(_budget);
        _rebalance.Stopping = true;
        var stored = _tracker.CommittableOffsets();
        foreach (var offset in stored)
        {
            _committer.TryStore(_consumer, offset);
        }

        Recreated = true;
        Log.ConsumerHandedOver(_logger, string.Join(", ", stored.Select(KafkaText.Of)));
    }

    private void PollOnce()
    {
        _held.Drain(_decode);
        if (WaitForDecode())
        {
            _committer.StoreAdvanced(force: false);
            return;
        }

        ApplyBackpressure();
        var result = _consumer.Consume(_held.Count > 0 ? _options.HeldPollTimeout : _options.PollTimeout);
        // What librdkafka has ready is taken in one burst, so decode gets it as chunks and the turn's bookkeeping
        // (storing offsets, lag) is paid per burst. The next turn hands the burst over before it waits again.
        for (var burst = 1; result is not null; burst++)
        {
            if (!result.IsPartitionEOF)
            {
                _admission.Accept(result);
            }

            // A full budget ends the burst too: with large values, a burst's worth could be far beyond it.
            if (burst >= MaxBurst || _held.IsFull || _budget.IsFull)
            {
                break;
            }

            result = _consumer.Consume(TimeSpan.Zero);
        }

        _committer.StoreAdvanced(force: false);
        _lag.Refresh();
    }

    /// <summary>Routes a consume error by its class; see <see cref="ConsumeErrorAction"/>.</summary>
    private void OnConsumeError(ConsumeException e)
    {
        var record = e.ConsumerRecord;
        switch (KafkaErrors.ClassifyConsume(e.Error))
        {
            case ConsumeErrorAction.OffsetReset:
                Apply(_resets.TryReset(record?.TopicPartitionOffset, e.Error));
                break;
            case ConsumeErrorAction.DeadLetter:
                Log.ConsumeFailed(_logger, record?.TopicPartitionOffset is { } at ? KafkaText.Of(at) : "unknown", e.Error.Reason, e);
                _admission.AcceptUnreadable(e);
                break;
            case ConsumeErrorAction.Condition:
                var partition = record?.TopicPartition is { Topic.Length: > 0 } tp ? tp : null;
                _conditions.Report(e.Error.Code, e.Error.Reason, partition);
                break;
            default:
                Log.KafkaFatal(_logger, e.Error.Code, e.Error.Reason);
                _fatal = e.Error;
                break;
        }
    }

    private void Apply(ResetResult result)
    {
        switch (result.Outcome)
        {
            case ResetOutcome.Reassigned or ResetOutcome.StillHeld:
                _rebalance.AssignmentChanged = true;
                Volatile.Write(ref _paused, false);
                if (result.Outcome == ResetOutcome.StillHeld)
                {
                    _conditions.Report(result.Reported.Code, $"{result.Reported.Reason}, for an offset the broker still holds (not reset)", result.Partition);
                }

                break;
            case ResetOutcome.Deferred:
                // Reported on every attempt, so it lasts (DEGRADED, and in the end the service stops) until a reset succeeds.
                _conditions.Report(
                    result.Failure!.Code,
                    $"{result.Reported.Reason}; reading the partition's watermarks to reset it failed: {result.Failure.Reason} (asked again every {_options.BrokerProbeInterval.TotalSeconds:0.#} s; the partition is not read meanwhile)",
                    result.Partition);
                break;
        }
    }

    /// <summary>Ends quiet conditions, asks unreachable brokers whether they are back, and gives up on one that lasted too long.</summary>
    private void WatchConditions()
    {
        foreach (var deferred in _resets.RetryDeferred())
        {
            Apply(deferred);
        }

        _conditions.Sweep();
        var now = _time.GetTimestamp();
        if (_conditions.BrokersDown && _time.GetElapsedTime(_lastProbe, now) >= _options.BrokerProbeInterval)
        {
            _lastProbe = now;
            if (_brokersAnswer(_options.Topics[0], _options.PollTimeout * 10))
            {
                _conditions.BrokersAnswered();
            }
        }

        if (_conditions.Expired() is { } expired)
        {
            _expired = expired;
            Log.KafkaConditionFatal(_logger, expired.Code, Where(expired), expired.Lasted.TotalSeconds, expired.Reason, Remedy(expired));
        }

        WatchJoin(now);
    }

    private void WatchJoin(long now)
    {
        if (_everAssigned)
        {
            return;
        }

        var waited = _time.GetElapsedTime(_started, now);
        if (_positions.Count > 0)
        {
            _everAssigned = true;
            if (_joinWarned)
            {
                Log.JoinedGroup(_logger, _options.GroupId, waited.TotalSeconds);
            }
        }
        else if (!_joinWarned && waited >= _options.JoinWarningAfter)
        {
            _joinWarned = true;
            Log.WaitingForGroup(_logger, _options.GroupId, string.Join(", ", _options.Topics), waited.TotalSeconds, _options.BootstrapServers);
        }
    }

    /// <summary>True when this turn must not consume: the hold queue is full and decode has not made room yet.</summary>
    private bool WaitForDecode()
    {
        if (!_held.IsFull)
        {
            _blockedSince = 0;
            return false;
        }

        if (_blockedSince == 0)
        {
            _blockedSince = _time.GetTimestamp();
        }

        if (_paused || BlockedTooLong)
        {
            return false;
        }

        ClockWait.Sleep(_time, TimeSpan.FromMilliseconds(1));
        return true;
    }

    private bool BlockedTooLong => _blockedSince != 0 && _time.GetElapsedTime(_blockedSince) >= _options.BlockedPauseAfter;

    private void ApplyBackpressure()
    {
        var changed = _rebalance.AssignmentChanged;
        switch (PauseDecision.Decide(_budget.IsFull || BlockedTooLong, _paused, changed, _budget.CanResume, _held.IsBelowHalf))
        {
            case PauseAction.Pause:
                var assignment = _consumer.Assignment;
                _consumer.Pause(assignment);
                if (!_paused)
                {
                    _metrics.RecordPause();
                    Log.Paused(_logger, assignment.Count, _budget.Records, _budget.Bytes);
                }

                Volatile.Write(ref _paused, true);
                break;
            case PauseAction.Resume:
                var all = _consumer.Assignment;
                _consumer.Resume(all.Where(p => !_holds.Held.Contains(p)).ToList());
                Volatile.Write(ref _paused, false);
                Log.Resumed(_logger, all.Count);
                break;
        }

        _holds.Apply(_paused, changed);
        _rebalance.AssignmentChanged = false;
    }

    private void Shutdown(Action completeInput, Task drained, Action abortPipeline)
    {
        // Held records never entered the pipeline: they are not committed and will be read again.
        var abandoned = _held.Clear(_budget);
        completeInput();
        _rebalance.Stopping = true;
        Log.Draining(_logger, _budget.Records);
        var started = _time.GetTimestamp();
        while (!drained.IsCompleted && _time.GetElapsedTime(started) < _options.DrainTimeout && _fatal is null)
        {
            try
            {
                // Polling a paused consumer keeps the member alive in its group while the pipeline drains.
                _consumer.Pause(_consumer.Assignment);
                _consumer.Consume(_options.PollTimeout);
            }
            catch (KafkaException e)
            {
                Log.KafkaError(_logger, e.Error.Code, $"while draining: {e.Error.Reason}");
            }
        }

        if (!drained.IsCompleted)
        {
            Log.DrainTimedOut(_logger, _budget.Records);
            abortPipeline();
        }

        // Taken before leaving the group, whose revoke forgets every partition: afterwards nothing would be pending.
        // Held records were registered but never entered the pipeline; they are left pending on purpose.
        PendingAtShutdown = _tracker.TotalPending - abandoned;
        var final = _tracker.CommittableOffsets();
        // With the brokers gone a synchronous commit would only wait; what is stored goes out with the close if it can.
        if (_fatal is null && !_conditions.BrokersDown)
        {
            _committer.CommitSync(_consumer, final, "shutdown");
        }
        else
        {
            final.ToList().ForEach(offset => _committer.TryStore(_consumer, offset));
        }

        Log.Stopped(_logger, string.Join(", ", final.Select(KafkaText.Of)));
    }

    private void OnError(IConsumer<byte[]?, byte[]?> consumer, Error error)
    {
        if (error.IsFatal)
        {
            Log.KafkaFatal(_logger, error.Code, error.Reason);
            _fatal = error;
            return;
        }

        // Client-level errors (transport, brokers down, authentication) are conditions like a partition's: logged
        // once, counted, DEGRADED while they last.
        _conditions.Report(error.Code, error.Reason, null);
    }

    private void OnLog(IConsumer<byte[]?, byte[]?> consumer, LogMessage message) => KafkaClientLog.Log(_logger, "consumer", message);

    private string Where(KafkaConditionSnapshot condition) =>
        condition.Partition is { } p ? KafkaText.Of(p) : $"brokers {_options.BootstrapServers}";

    private string Remedy(KafkaConditionSnapshot condition) =>
        KafkaErrors.Remedy(condition.Code, condition.Partition?.Topic ?? string.Join(", ", _options.Topics), _options.GroupId, _options.BootstrapServers);

    private string Describe(KafkaConditionSnapshot condition) =>
        $"Kafka condition {condition.Code} on {Where(condition)} lasted {condition.Lasted.TotalSeconds:0} s (kafka.fatalAfter is {_options.FatalAfter}): {condition.Reason}. To fix it, {Remedy(condition)}.";

    // Destroying a handle whose close is stuck would wait on the same stuck state; such a consumer is left to the process.
    public void Dispose()
    {
        if (!_closeAbandoned)
        {
            _consumer.Dispose();
        }
    }
}

/// <summary>A Kafka condition (authorization, unknown topic, brokers down ...) lasted past kafka.fatalAfter; the message says what to fix.</summary>
public sealed class KafkaConditionException(string message) : Exception(message);
