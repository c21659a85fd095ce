using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Offsets;
using StreamHeal.Telemetry;

namespace StreamHeal.Poll;

/// <summary>
/// Stores each partition's watermark when the tracker says it advanced (librdkafka's auto-commit sends it), and commits
/// synchronously on revoke and shutdown. Only offsets the tracker calls complete ever reach the broker. Poll thread only.
/// </summary>
internal sealed class OffsetCommitter(
    IConsumer<byte[]?, byte[]?> consumer, OffsetTracker tracker, PartitionPositions positions, PollOptions options, ILogger logger, TimeProvider time)
{
    private const int CommitAttempts = 5;
    private long _lastStore;

    public void StoreAdvanced(bool force)
    {
        var now = time.GetTimestamp();
        if (!force && time.GetElapsedTime(_lastStore, now) < options.StoreInterval)
        {
            return;
        }

        _lastStore = now;
        foreach (var partition in positions.Owned)
        {
            // A store that failed is tried again at the next check: a partition that goes quiet would otherwise keep
            // its committed offset behind what it finished, and read that range again after a restart.
            if (tracker.TryTakeAdvanced(partition, out var offset) && !TryStore(consumer, new TopicPartitionOffset(partition, offset)))
            {
                tracker.ReturnTaken(partition, offset);
            }
        }
    }

    /// <returns>False when librdkafka refused it (logged).</returns>
    public bool TryStore(IConsumer<byte[]?, byte[]?> on, TopicPartitionOffset offset)
    {
        try
        {
            on.StoreOffset(offset);
            return true;
        }
        catch (KafkaException e)
        {
            Log.KafkaError(logger, e.Error.Code, $"storing offset {offset.Offset.Value} for {offset.TopicPartition}: {e.Error.Reason}");
            return false;
        }
    }

    /// <summary>
    /// Commits synchronously. REBALANCE_IN_PROGRESS is retried a few times (Kafka refuses commits until the member
    /// rejoins); anything else is logged and the range is redelivered to the next owner, where the sinks skip what
    /// they already hold.
    /// </summary>
    public void CommitSync(IConsumer<byte[]?, byte[]?> on, IReadOnlyCollection<TopicPartitionOffset> offsets, string reason)
    {
        if (offsets.Count == 0)
        {
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                on.Commit(offsets);
                return;
            }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_NoOffset)
            {
                return;
            }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.RebalanceInProgress && attempt < CommitAttempts)
            {
                Log.CommitRetry(logger, reason, e.Error.Reason);
                ClockWait.Sleep(time, TimeSpan.FromMilliseconds(100 * attempt));
            }
            catch (KafkaException e)
            {
                Log.CommitFailed(logger, reason, e.Error.Reason);
                return;
            }
        }
    }
}
