using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using StreamHeal.Offsets;
using StreamHeal.Telemetry;

namespace StreamHeal.Poll;

/// <summary>
/// A partition's position is gone from the broker (retention deleted it, or the log was truncated): the loop restarts
/// it per kafka.startFrom and says exactly which range that skipped or reads again. Never silent. An OFFSET_OUT_OF_RANGE
/// for an offset the broker still holds is not a reset: the partition reads on from where the loop left it. Poll thread
/// only.
/// </summary>
internal sealed class OffsetResetHandler(
    IConsumer<byte[]?, byte[]?> consumer, PartitionPositions positions, OffsetTracker tracker, PipelineMetrics metrics, PollOptions options, ILogger logger)
{
    /// <returns>What was done; the loop must re-apply its pauses unless it is <see cref="ResetOutcome.None"/>.</returns>
    public ResetOutcome TryReset(TopicPartitionOffset? position)
    {
        try
        {
            return Reset(position);
        }
        catch (KafkaException e)
        {
            // The partition stays stopped; the broker reports the same error again and the reset is retried then.
            Log.KafkaError(logger, e.Error.Code, $"resetting the offset of {position}: {e.Error.Reason}");
            return ResetOutcome.None;
        }
    }

    private ResetOutcome Reset(TopicPartitionOffset? position)
    {
        if (position is null || !positions.Owns(position.TopicPartition))
        {
            return ResetOutcome.None;
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
            return ResetOutcome.Reassigned;
        }

        var watermarks = consumer.QueryWatermarkOffsets(partition, options.MetadataTimeout);
        if (position.Offset.Value >= 0 && position.Offset.Value >= watermarks.Low.Value && position.Offset.Value <= watermarks.High.Value)
        {
            // The broker still holds the offset it called out of range: a leader that changed under the fetch, or a
            // replica behind its leader, answered. Resetting would read the partition again from its start (earliest)
            // or skip to its end (latest), losing what lies between. Nothing moved, so the partition carries on from
            // where this loop left it; the loop reports the error as a condition while it lasts.
            AssignAgain();
            return ResetOutcome.StillHeld;
        }
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
        return ResetOutcome.Reassigned;
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

/// <summary>What <see cref="OffsetResetHandler.TryReset"/> did with an offset-reset error.</summary>
internal enum ResetOutcome
{
    /// <summary>Nothing: the error was not about a partition this loop owns, or the reset failed and waits for the error again.</summary>
    None,

    /// <summary>The partition was reset (or set again at the position an earlier reset chose); the assignment was set again.</summary>
    Reassigned,

    /// <summary>The broker still holds the offset: no reset, the assignment was set again where the loop left the partition.</summary>
    StillHeld,
}
