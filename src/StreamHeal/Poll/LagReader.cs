using Confluent.Kafka;
using StreamHeal.Offsets;
using StreamHeal.Telemetry;

namespace StreamHeal.Poll;

/// <summary>
/// Records behind the high watermark over the owned partitions, from librdkafka's cached watermarks (no broker call),
/// refreshed about once a second on the poll thread, with each partition's figures for the metrics.
/// <see cref="Lag"/> and <see cref="Partitions"/> are safe to read from any thread; a revoked partition leaves
/// <see cref="Partitions"/> at the next refresh. A partition behind its high watermark whose client position is past
/// the next expected offset has passed offsets with no record (transaction markers): <c>passTo</c> takes them.
/// </summary>
internal sealed class LagReader(
    IConsumer<byte[]?, byte[]?> consumer, PartitionPositions positions, OffsetTracker tracker, Func<TopicPartition, bool> isPaused, TimeProvider time,
    Func<TopicPartition, long, bool> passTo)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly Dictionary<TopicPartition, (long? Committable, DateTimeOffset At)> _progress = [];
    private long _lag;
    private long _last;
    private IReadOnlyList<PartitionGauge> _partitions = [];

    public long Lag => Interlocked.Read(ref _lag);

    public IReadOnlyList<PartitionGauge> Partitions => Volatile.Read(ref _partitions);

    public void Refresh()
    {
        var now = time.GetTimestamp();
        if (_last != 0 && time.GetElapsedTime(_last, now) < Interval)
        {
            return;
        }

        _last = now;
        var wallClock = time.GetUtcNow();
        long lag = 0;
        var gauges = new List<PartitionGauge>(positions.Count);
        foreach (var partition in positions.Owned)
        {
            var next = positions.NextPosition(partition);
            var watermarks = consumer.GetWatermarkOffsets(partition);
            var behind = Behind(watermarks, next);
            // A client position past the end it knows is not one it reached by reading; it is left alone.
            if (behind > 0 && next.Value >= 0 && ClientPosition(partition) is var client && client <= watermarks.High.Value && passTo(partition, client))
            {
                next = positions.NextPosition(partition);
                behind = Behind(watermarks, next);
            }

            lag += behind;
            var pending = tracker.Pending(partition);
            var committable = tracker.CommittableOffset(partition);
            // Progress: the committable offset moved, or there is nothing to do (an idle partition is not stuck).
            if (!_progress.TryGetValue(partition, out var progress) || progress.Committable != committable || (behind == 0 && pending == 0))
            {
                progress = (committable, wallClock);
                _progress[partition] = progress;
            }

            var lagSeconds = (behind > 0 || pending > 0) && positions.TryGetLastPolledTimestamp(partition, out var newest) && newest.ToUnixTimeMilliseconds() > 0
                ? Math.Max(0, (wallClock - newest).TotalSeconds)
                : 0;
            gauges.Add(new PartitionGauge(
                partition.Topic, partition.Partition.Value, behind, lagSeconds, pending, isPaused(partition), progress.At.ToUnixTimeMilliseconds() / 1000.0,
                next.Value >= 0 ? next.Value : -1, committable ?? -1, next == Offset.Beginning));
        }

        foreach (var gone in _progress.Keys.Where(p => !positions.Owns(p)).ToList())
        {
            _progress.Remove(gone);
        }

        Interlocked.Exchange(ref _lag, lag);
        Volatile.Write(ref _partitions, gauges);
    }

    /// <summary>The offset after the last message or marker the client handed over; −1 when it does not know one.</summary>
    private long ClientPosition(TopicPartition partition)
    {
        try
        {
            return consumer.Position(partition).Value;
        }
        catch (KafkaException)
        {
            return -1;
        }
    }

    /// <summary>
    /// High watermark minus the next offset to poll: after the last polled one, or where the assignment started (so a
    /// partition paused before its first record still shows its lag); 0 while librdkafka has no watermark yet.
    /// </summary>
    private static long Behind(WatermarkOffsets watermarks, Offset next)
    {
        var high = watermarks.High.Value;
        var from = next.Value >= 0 ? next.Value : next == Offset.Beginning ? watermarks.Low.Value : -1;
        return high >= 0 && from >= 0 ? Math.Max(0, high - from) : 0;
    }
}
