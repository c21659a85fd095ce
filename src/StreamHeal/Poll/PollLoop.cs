using System.Threading.Tasks.Dataflow;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using StreamHeal.Offsets;
using StreamHeal.Pipeline;
using StreamHeal.Records;
using StreamHeal.Telemetry;

namespace StreamHeal.Poll;

/// <summary>
/// Poll: the one thread that owns the Kafka consumer. It feeds records into decode, pauses every assigned partition
/// while the in-flight budget is full (and keeps polling, so the group sees a live member), stores each partition's
/// committed watermark when it advances (librdkafka's auto-commit sends it), handles rebalances and offset resets,
/// and on shutdown drains, commits synchronously and leaves the group.
/// </summary>
internal sealed class PollLoop : IDisposable
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);

    // While records wait for room in decode, the loop must come back soon to hand them over: with the full timeout a
    // paused pipeline drained at most one decode queue per 100 ms (~20,000 records/s), measured by the harness.
    private static readonly TimeSpan HeldPollTimeout = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan StoreInterval = TimeSpan.FromMilliseconds(100);

    // How long decode may refuse a full hold queue before the loop pauses every partition. Until then it simply stops
    // consuming; after it, pausing keeps the member polling (and so alive in its group) through a long stall.
    private static readonly TimeSpan BlockedPauseAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(30);

    private readonly KafkaOptions _kafka;
    private readonly PipelineOptions _options;
    private readonly ITargetBlock<IngestRecord> _decode;
    private readonly OffsetTracker _tracker;
    private readonly InFlightBudget _budget;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<TopicPartition, long> _generations = [];
    private readonly Dictionary<TopicPartition, long> _lastPolled = [];
    private readonly Dictionary<TopicPartition, Offset> _startPositions = [];
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    // Records polled while decode was full, in poll order. Pausing whenever decode is busy would churn: librdkafka
    // drops and refetches its prefetched messages on every pause/resume.
    private readonly Queue<IngestRecord> _held = new();
    // Once this many records are held (one stage's capacity), the loop stops consuming until decode takes some: the
    // next records then wait in librdkafka's prefetch queue, in native memory already bounded by
    // queued.max.messages.kbytes, instead of as managed records. Held records live long enough to be promoted by every
    // collection; the harness measured a quarter of (b)'s wall time as GC pause while up to the whole in-flight
    // budget waited here. Only a stall longer than BlockedPauseAfter pauses the partitions.
    private readonly int _holdLimit;
    private long _blockedSince;
    private bool _paused;
    private readonly TopicHolds? _holds;
    private readonly Action<string, IReadOnlyList<int>>? _onAssigned;
    private long _holdsVersion = -1;
    private HashSet<TopicPartition> _heldPartitions = [];
    private bool _assignmentChanged;
    private long _lastStore;
    private Error? _fatal;
    private bool _stopping;
    private bool _closeAbandoned;
    private long _lag;
    private string? _statistics;
    private long _lastLag;

    public PollLoop(
        KafkaOptions kafka,
        PipelineOptions options,
        ITargetBlock<IngestRecord> decode,
        OffsetTracker tracker,
        InFlightBudget budget,
        PipelineMetrics metrics,
        ILogger logger,
        TimeProvider timeProvider,
        TopicHolds? holds = null,
        Action<string, IReadOnlyList<int>>? onAssigned = null)
    {
        _holds = holds;
        _onAssigned = onAssigned;
        _kafka = kafka;
        _options = options;
        _decode = decode;
        _holdLimit = options.StageCapacity;
        _tracker = tracker;
        _budget = budget;
        _metrics = metrics;
        _logger = logger;
        _timeProvider = timeProvider;
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(KafkaConfigBuilder.Consumer(kafka, options.PrefetchKBytes))
            .SetErrorHandler(OnError)
            .SetLogHandler((_, _) => { })
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost)
            // librdkafka's own view (positions, committed offsets, queues) when kafka.properties sets statistics.interval.ms.
            .SetStatisticsHandler((_, json) => Volatile.Write(ref _statistics, json))
            .Build();
    }

    /// <summary>True while every assigned partition is paused for backpressure.</summary>
    public bool IsPaused => Volatile.Read(ref _paused);

    /// <summary>The latest librdkafka statistics JSON, or null unless <c>statistics.interval.ms</c> is configured.</summary>
    public string? Statistics => Volatile.Read(ref _statistics);

    /// <summary>Records behind the high watermark over the assigned partitions, refreshed about once a second.</summary>
    public long Lag => Interlocked.Read(ref _lag);

    /// <summary>Partitions this member owns right now (a copy; safe to read from any thread).</summary>
    public IReadOnlyList<TopicPartition> Assignment { get; private set; } = [];

    /// <summary>
    /// Runs the loop on a dedicated thread until <paramref name="stop"/> fires, then stops the input, waits up to the
    /// drain timeout for <paramref name="drained"/>, commits what is complete and leaves the group.
    /// </summary>
    public async Task RunAsync(CancellationToken stop, Action completeInput, Task drained, Action abortPipeline)
    {
        await OnOwnThread(() => Run(stop, completeInput, drained, abortPipeline));
        await CloseAsync();
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
            await close.WaitAsync(CloseTimeout, _timeProvider);
        }
        catch (TimeoutException)
        {
            _closeAbandoned = true;
            Log.CloseTimedOut(_logger, CloseTimeout.TotalSeconds);
        }
    }

    private void Run(CancellationToken stop, Action completeInput, Task drained, Action abortPipeline)
    {
        _consumer.Subscribe(_kafka.Topics);
        while (!stop.IsCancellationRequested && _fatal is null && !drained.IsCompleted)
        {
            try
            {
                PollOnce();
            }
            catch (ConsumeException e) when (KafkaErrors.Classify(e.Error) == KafkaErrorAction.OffsetReset)
            {
                TryResetOffset(e.ConsumerRecord.TopicPartitionOffset);
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                Log.ConsumeFailed(_logger, e.ConsumerRecord?.TopicPartitionOffset?.ToString() ?? "unknown", e.Error.Reason, e);
                DeadLetterUnreadable(e);
            }
#pragma warning disable CA1031 // Nothing but a fatal Kafka error may end the loop; every failure is logged with its position.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                Log.ConsumeFailed(_logger, _held.Count > 0 ? _held.Peek().ToString() : "poll loop", e.Message, e);
            }
        }

        Shutdown(completeInput, drained, abortPipeline);
        if (_fatal is { } fatal)
        {
            throw new KafkaException(fatal);
        }
    }

    private void PollOnce()
    {
        while (_held.Count > 0 && _decode.Post(_held.Peek()))
        {
            _held.Dequeue();
        }

        if (WaitForDecode())
        {
            StoreAdvancedOffsets(force: false);
            return;
        }

        ApplyBackpressure();
        var result = _consumer.Consume(_held.Count > 0 ? HeldPollTimeout : PollTimeout);
        if (result is not null && !result.IsPartitionEOF)
        {
            Accept(result);
        }

        StoreAdvancedOffsets(force: false);
        RefreshLag();
    }

    /// <summary>True when this turn must not consume: the hold queue is full and decode has not made room yet.</summary>
    private bool WaitForDecode()
    {
        if (_held.Count < _holdLimit)
        {
            _blockedSince = 0;
            return false;
        }

        if (_blockedSince == 0)
        {
            _blockedSince = _timeProvider.GetTimestamp();
        }

        if (_paused || BlockedTooLong)
        {
            return false;
        }

        Thread.Sleep(1);
        return true;
    }

    private bool BlockedTooLong => _blockedSince != 0 && _timeProvider.GetElapsedTime(_blockedSince) >= BlockedPauseAfter;

    private void RefreshLag()
    {
        var now = _timeProvider.GetTimestamp();
        if (_timeProvider.GetElapsedTime(_lastLag, now) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _lastLag = now;
        long lag = 0;
        foreach (var partition in _generations.Keys)
        {
            var high = _consumer.GetWatermarkOffsets(partition).High;
            var position = _lastPolled.TryGetValue(partition, out var last) ? last + 1 : -1;
            if (high.Value >= 0 && position >= 0)
            {
                lag += Math.Max(0, high.Value - position);
            }
        }

        Interlocked.Exchange(ref _lag, lag);
    }

    private void Accept(ConsumeResult<byte[]?, byte[]?> result)
    {
        var partition = result.TopicPartition;
        if (!_generations.TryGetValue(partition, out var generation))
        {
            return; // A message of a partition that was just revoked; the next owner reads it.
        }

        _tracker.Register(partition, generation, result.Offset.Value);
        _lastPolled[partition] = result.Offset.Value;
        var record = new IngestRecord
        {
            Topic = result.Topic,
            Partition = partition.Partition.Value,
            Offset = result.Offset.Value,
            Timestamp = result.Message.Timestamp.UtcDateTime,
            Key = result.Message.Key,
            Value = result.Message.Value,
            Headers = result.Message.Headers,
            AssignmentGeneration = generation,
        };
        _budget.Admit(record.Bytes);
        _metrics.RecordPolled();
        if (_held.Count > 0 || !_decode.Post(record))
        {
            _held.Enqueue(record);
        }
    }

    private void ApplyBackpressure()
    {
        var full = _budget.IsFull || BlockedTooLong;
        // After a rebalance the new assignment is not paused yet, even when this loop still considers itself paused.
        if ((full && !_paused) || (_paused && _assignmentChanged))
        {
            var assignment = _consumer.Assignment;
            _consumer.Pause(assignment);
            if (!_paused)
            {
                _metrics.RecordPause();
                Log.Paused(_logger, assignment.Count, _budget.Records, _budget.Bytes);
            }

            Volatile.Write(ref _paused, true);
        }
        else if (_paused && _budget.CanResume && _held.Count < _holdLimit / 2)
        {
            var assignment = _consumer.Assignment;
            _consumer.Resume(assignment.Where(p => !_heldPartitions.Contains(p)).ToList());
            Volatile.Write(ref _paused, false);
            Log.Resumed(_logger, assignment.Count);
        }

        ApplyTopicHolds();
        _assignmentChanged = false;
    }

    /// <summary>Keeps the partitions of held topics paused (see <see cref="TopicHolds"/>), whatever the budget says.</summary>
    private void ApplyTopicHolds()
    {
        if (_holds is null || (_holds.Version == _holdsVersion && !_assignmentChanged))
        {
            return;
        }

        _holdsVersion = _holds.Version;
        var assignment = _consumer.Assignment;
        var held = assignment.Where(p => _holds.IsHeld(p.Topic)).ToHashSet();
        var pause = held.Where(p => !_heldPartitions.Contains(p) || _assignmentChanged).ToList();
        var resume = _paused ? [] : _heldPartitions.Where(p => !held.Contains(p) && assignment.Contains(p)).ToList();
        if (pause.Count > 0)
        {
            _consumer.Pause(pause);
            Log.TopicHeld(_logger, string.Join(", ", pause));
        }

        if (resume.Count > 0)
        {
            _consumer.Resume(resume);
            Log.TopicReleased(_logger, string.Join(", ", resume));
        }

        _heldPartitions = held;
    }

    private void StoreAdvancedOffsets(bool force)
    {
        var now = _timeProvider.GetTimestamp();
        if (!force && _timeProvider.GetElapsedTime(_lastStore, now) < StoreInterval)
        {
            return;
        }

        _lastStore = now;
        foreach (var partition in _generations.Keys)
        {
            if (_tracker.TryTakeAdvanced(partition, out var offset))
            {
                TryStore(_consumer, new TopicPartitionOffset(partition, offset));
            }
        }
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        Dictionary<TopicPartition, Offset> committed = [];
        try
        {
            foreach (var c in consumer.Committed(partitions, MetadataTimeout))
            {
                committed[c.TopicPartition] = c.Offset;
            }
        }
        catch (KafkaException e)
        {
            // Without committed offsets the partitions start where librdkafka finds them; a missing one then shows up
            // as an offset-reset error, which is handled like any other reset.
            Log.KafkaError(_logger, e.Error.Code, $"reading committed offsets on assignment: {e.Error.Reason}");
        }

        var start = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var partition in partitions)
        {
            _generations[partition] = _tracker.Assign(partition);
            _lastPolled.Remove(partition);
            if (committed.TryGetValue(partition, out var offset) && offset.Value >= 0)
            {
                _startPositions[partition] = offset;
                start.Add(new TopicPartitionOffset(partition, offset));
                Log.PartitionStart(_logger, partition, offset.Value, "committed");
            }
            else if (committed.ContainsKey(partition))
            {
                var from = _kafka.StartFrom == StartFrom.Earliest ? Offset.Beginning : Offset.End;
                _startPositions[partition] = from;
                start.Add(new TopicPartitionOffset(partition, from));
                Log.PartitionStart(_logger, partition, from.Value, $"no committed offset, kafka.startFrom={_kafka.StartFrom}");
            }
            else
            {
                _startPositions[partition] = Offset.Unset;
                start.Add(new TopicPartitionOffset(partition, Offset.Unset));
            }
        }

        Assignment = [.. _generations.Keys];
        _assignmentChanged = true;
        Log.PartitionsAssigned(_logger, string.Join(", ", partitions));
        if (_onAssigned is not null)
        {
            foreach (var group in partitions.GroupBy(static p => p.Topic))
            {
                _onAssigned(group.Key, [.. group.Select(static p => p.Partition.Value)]);
            }
        }
        return start;
    }

    private void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> revoked)
    {
        var partitions = revoked.ConvertAll(static p => p.TopicPartition);
        if (!_stopping)
        {
            // On shutdown the drain already waited; Close() must not wait a second time.
            WaitForPending(partitions, _options.RevokeDrainTimeout);
        }

        StoreAdvancedOffsets(force: true);
        var final = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var partition in partitions)
        {
            if (_tracker.Revoke(partition) is { } offset)
            {
                final.Add(new TopicPartitionOffset(partition, offset));
            }

            Forget(partition);
        }

        if (_stopping)
        {
            // Close() runs this callback. A synchronous commit from inside consumer_close can wait for ever on a group
            // that is already leaving (seen with two members stopping at once); Shutdown committed just before Close(),
            // and librdkafka's auto-commit sends whatever is stored here as part of the close.
            final.ForEach(offset => TryStore(consumer, offset));
        }
        else
        {
            CommitSync(consumer, final, "revoke");
        }

        Log.PartitionsRevoked(_logger, string.Join(", ", partitions), string.Join(", ", final));
    }

    private void OnLost(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> lost)
    {
        // Another member may own these already: committing now could move its offsets, so nothing is committed.
        foreach (var partition in lost)
        {
            _tracker.Revoke(partition.TopicPartition);
            Forget(partition.TopicPartition);
        }

        Log.PartitionsLost(_logger, string.Join(", ", lost.Select(static p => p.TopicPartition)));
    }

    private void Forget(TopicPartition partition)
    {
        _generations.Remove(partition);
        _lastPolled.Remove(partition);
        _startPositions.Remove(partition);
        var count = _held.Count;
        for (var i = 0; i < count; i++)
        {
            var record = _held.Dequeue();
            if (record.Topic == partition.Topic && record.Partition == partition.Partition.Value)
            {
                _budget.Release(record.Bytes);
            }
            else
            {
                _held.Enqueue(record);
            }
        }

        Assignment = [.. _generations.Keys];
    }

    private void WaitForPending(List<TopicPartition> partitions, TimeSpan timeout)
    {
        var started = _timeProvider.GetTimestamp();
        while (true)
        {
            var pending = 0;
            foreach (var partition in partitions)
            {
                pending += _tracker.Pending(partition);
            }

            // Held records never reach the sink while we wait here, so they do not count.
            foreach (var record in _held)
            {
                if (partitions.Contains(record.Position.TopicPartition))
                {
                    pending--;
                }
            }

            if (pending <= 0)
            {
                return;
            }

            if (_timeProvider.GetElapsedTime(started) >= timeout)
            {
                Log.RevokeTimedOut(_logger, string.Join(", ", partitions), pending);
                return;
            }

            // The rebalance callback runs on the poll thread; a short sleep lets the sink threads finish.
            Thread.Sleep(5);
        }
    }

    private void TryResetOffset(TopicPartitionOffset? position)
    {
        try
        {
            ResetOffset(position);
        }
        catch (KafkaException e)
        {
            // The partition stays stopped; the broker reports the same error again and the reset is retried then.
            Log.KafkaError(_logger, e.Error.Code, $"resetting the offset of {position}: {e.Error.Reason}");
        }
    }

    /// <summary>
    /// A message librdkafka could not deliver (a corrupt or undecompressable batch) still has an offset: register it
    /// and send what is known to the DLQ, so the committed offset never passes it as if it were a gap.
    /// </summary>
    private void DeadLetterUnreadable(ConsumeException e)
    {
        var position = e.ConsumerRecord?.TopicPartitionOffset;
        if (position is null || position.Offset.Value < 0 || !_generations.TryGetValue(position.TopicPartition, out var generation)
            || (_lastPolled.TryGetValue(position.TopicPartition, out var last) && position.Offset.Value <= last))
        {
            return;
        }

        _tracker.Register(position.TopicPartition, generation, position.Offset.Value);
        _lastPolled[position.TopicPartition] = position.Offset.Value;
        var record = new IngestRecord
        {
            Topic = position.Topic,
            Partition = position.Partition.Value,
            Offset = position.Offset.Value,
            Timestamp = e.ConsumerRecord!.Message?.Timestamp.UtcDateTime ?? DateTime.UnixEpoch,
            Key = e.ConsumerRecord.Message?.Key,
            Value = e.ConsumerRecord.Message?.Value,
            Headers = e.ConsumerRecord.Message?.Headers,
            AssignmentGeneration = generation,
        };
        record.Fail(new DeadLetterReason("consume_error", $"{e.Error.Code}: {e.Error.Reason}", "poll"));
        _budget.Admit(record.Bytes);
        _metrics.RecordPolled();
        if (_held.Count > 0 || !_decode.Post(record))
        {
            _held.Enqueue(record);
        }
    }

    private void ResetOffset(TopicPartitionOffset? position)
    {
        if (position is null || !_generations.ContainsKey(position.TopicPartition))
        {
            return;
        }

        var partition = position.TopicPartition;
        var watermarks = _consumer.QueryWatermarkOffsets(partition, MetadataTimeout);
        var target = _kafka.StartFrom == StartFrom.Earliest ? watermarks.Low.Value : watermarks.High.Value;
        var requested = position.Offset.Value >= 0 ? position.Offset.Value : _lastPolled.GetValueOrDefault(partition, -1) + 1;
        if (_lastPolled.TryGetValue(partition, out var last) && target <= last)
        {
            // Going back over offsets already registered: start a new generation so the tracker stays ordered.
            // Records of the old generation are read again from the new position.
            _tracker.Revoke(partition);
            _generations[partition] = _tracker.Assign(partition);
            _lastPolled.Remove(partition);
        }

        if (target > requested)
        {
            _metrics.RecordOffsetReset(target - requested);
            Log.OffsetResetSkipped(_logger, partition, requested, requested, target, _kafka.StartFrom);
        }
        else
        {
            _metrics.RecordOffsetReset(0);
            Log.OffsetResetBack(_logger, partition, requested, watermarks.High.Value, target, _kafka.StartFrom);
        }

        // A partition stopped by an offset-reset error cannot be moved with Seek (its fetcher is stopped), so the whole
        // assignment is set again: this partition at the target, the others where this loop left them.
        var positions = new List<TopicPartitionOffset>(_generations.Count);
        foreach (var assigned in _generations.Keys)
        {
            positions.Add(assigned == partition
                ? new TopicPartitionOffset(assigned, target)
                : new TopicPartitionOffset(assigned, _lastPolled.TryGetValue(assigned, out var polled) ? polled + 1 : _startPositions.GetValueOrDefault(assigned, Offset.Unset)));
        }

        _consumer.Assign(positions);
        _assignmentChanged = true;
        Volatile.Write(ref _paused, false);
    }

    private void Shutdown(Action completeInput, Task drained, Action abortPipeline)
    {
        // Held records never entered the pipeline: they are not committed and will be read again.
        while (_held.TryDequeue(out var record))
        {
            _budget.Release(record.Bytes);
        }

        completeInput();
        _stopping = true;
        Log.Draining(_logger, _budget.Records);
        var started = _timeProvider.GetTimestamp();
        while (!drained.IsCompleted && _timeProvider.GetElapsedTime(started) < _options.DrainTimeout && _fatal is null)
        {
            try
            {
                // Polling a paused consumer keeps the member alive in its group while the pipeline drains.
                _consumer.Pause(_consumer.Assignment);
                _consumer.Consume(PollTimeout);
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

        var final = _tracker.CommittableOffsets();
        if (_fatal is null)
        {
            CommitSync(_consumer, final, "shutdown");
        }

        Log.Stopped(_logger, string.Join(", ", final));
    }

    private void TryStore(IConsumer<byte[]?, byte[]?> consumer, TopicPartitionOffset offset)
    {
        try
        {
            consumer.StoreOffset(offset);
        }
        catch (KafkaException e)
        {
            Log.KafkaError(_logger, e.Error.Code, $"storing offset {offset.Offset.Value} for {offset.TopicPartition}: {e.Error.Reason}");
        }
    }

    private void CommitSync(IConsumer<byte[]?, byte[]?> consumer, IReadOnlyCollection<TopicPartitionOffset> offsets, string reason)
    {
        if (offsets.Count == 0)
        {
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                consumer.Commit(offsets);
                return;
            }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_NoOffset)
            {
                return;
            }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.RebalanceInProgress && attempt < 5)
            {
                Log.CommitRetry(_logger, reason, e.Error.Reason);
                Thread.Sleep(100 * attempt);
            }
            catch (KafkaException e)
            {
                Log.CommitFailed(_logger, reason, e.Error.Reason);
                return;
            }
        }
    }

    private void OnError(IConsumer<byte[]?, byte[]?> consumer, Error error)
    {
        if (error.IsFatal)
        {
            Log.KafkaFatal(_logger, error.Code, error.Reason);
            _fatal = error;
            return;
        }

        Log.KafkaError(_logger, error.Code, error.Reason);
    }

    // Destroying a handle whose close is stuck would wait on the same stuck state; such a consumer is left to the process.
    public void Dispose()
    {
        if (!_closeAbandoned)
        {
            _consumer.Dispose();
        }
    }
}
