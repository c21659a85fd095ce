using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using StreamHeal.Offsets;
using StreamHeal.Telemetry;

namespace StreamHeal.Poll;

/// <summary>
/// A partition's position is gone from the broker (retention deleted it, or the log was truncated): the loop restarts
/// it per kafka.startFrom and says exactly which range that skipped or reads again. Never silent. Poll thread only.
/// </summary>
internal sealed class OffsetResetHandler(
    IConsumer<byte[]?, byte[]?> consumer, PartitionPositions positions, OffsetTracker tracker, PipelineMetrics metrics, PollOptions options, ILogger logger)
{
    /// <returns>True when the assignment was set again (the loop must re-apply its pauses).</returns>
    public bool TryReset(TopicPartitionOffset? position)
    {
        try
        {
            return Reset(position);
        }
        catch (KafkaException e)
        {
            // The partition stays stopped; the broker reports the same error again and the reset is retried then.
            Log.KafkaError(logger, e.Error.Code, $"resetting the offset of {position}: {e.Error.Reason}");
            return false;
        }
    }

    private bool Reset(TopicPartitionOffset? position)
    {
        if (position is null || !positions.Owns(position.TopicPartition))
        {
            return false;
        }

        var partition = position.TopicPartition;
        if (positions.WasResetFrom(partition, position.Offset.Value))
        {
            // The error again for the offset this partition was already reset from, delivered after the assignment was
            // set again: a fetch at the old offset was still in flight (every partition's fetch fails at once when all
            // committed offsets are gone). The client can leave the partition's fetcher stopped on it, and then the
            // partition never reads again, so the assignment is set again at the positions already chosen. That is
            // not a new reset: nothing is counted. It converges: a partition once reset is set at a valid offset, so only
            // fetches already in flight can report its old one.
            Log.OffsetResetRepeated(logger, partition, position.Offset.Value, positions.NextPosition(partition).Value);
            AssignAgain();
            return true;
        }

        var watermarks = consumer.QueryWatermarkOffsets(partition, options.MetadataTimeout);
        var target = options.StartFrom == StartFrom.Earliest ? watermarks.Low.Value : watermarks.High.Value;
        var hasPolled = positions.TryGetLastPolled(partition, out var last);
        var requested = position.Offset.Value >= 0 ? position.Offset.Value : (hasPolled ? last : -1) + 1;
        if (hasPolled && target <= last)
        {
            // Going back over offsets already registered: start a new generation so the tracker stays ordered.
            // Records of the old generation are read again from the new position.
            tracker.Revoke(partition);
            positions.Begin(partition, new Offset(target));
        }

        positions.RestartAt(partition, target, position.Offset.Value);

        if (target > requested)
        {
            metrics.RecordOffsetReset(partition.Topic, target - requested);
            Log.OffsetResetSkipped(logger, partition, requested, requested, target, options.StartFrom);
        }
        else
        {
            metrics.RecordOffsetReset(partition.Topic, 0);
            Log.OffsetResetBack(logger, partition, requested, watermarks.High.Value, target, options.StartFrom);
        }

        AssignAgain();
        return true;
    }

    /// <summary>
    /// A partition stopped by an offset-reset error cannot be moved with Seek (its fetcher is stopped), so the whole
    /// assignment is set again: a partition just reset at its new start, the others where this loop left them.
    /// </summary>
    private void AssignAgain()
    {
        var assignment = new List<TopicPartitionOffset>(positions.Count);
        foreach (var owned in positions.Owned)
        {
            assignment.Add(new TopicPartitionOffset(owned, positions.NextPosition(owned)));
        }

        consumer.Assign(assignment);
    }
}
