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
    IConsumer<byte[]?, byte[]?> consumer,
    PartitionPositions positions,
    OffsetTracker tracker,
    PipelineMetrics metrics,
    PollOptions options,
    ILogger logger,
    TimeProvider time)
{
    private readonly Dictionary<TopicPartition, (TopicPartitionOffset Position, Error Reported, long Generation)> _deferred = [];
    private long _lastRetry;
    private int _roundStart;

    /// <summary>Handles an offset-reset error the consumer reported for <paramref name="position"/>.</summary>
    /// <returns>What was done; the loop must re-apply its pauses for <see cref="ResetOutcome.Reassigned"/> and <see cref="ResetOutcome.StillHeld"/>.</returns>
    public ResetResult TryReset(TopicPartitionOffset? position, Error reported)
    {
        if (position is null)
        {
            return new ResetResult(null, ResetOutcome.None, reported);
        }

        try
        {
            var outcome = Reset(position);
            _deferred.Remove(position.TopicPartition);
            return new ResetResult(position.TopicPartition, outcome, reported);
        }
        catch (KafkaException e)
        {
            // The client stopped the partition's fetcher with the error and reports it once: nothing reads the partition
            // until the loop sets its position, so the loop asks again (RetryDeferred) rather than wait for the error.
            _deferred[position.TopicPartition] = (position, reported, positions.TryGetGeneration(position.TopicPartition, out var generation) ? generation : -1);
            _lastRetry = time.GetTimestamp();
            return new ResetResult(position.TopicPartition, ResetOutcome.Deferred, reported, e.Error);
        }
    }

    /// <summary>
    /// Asks again, at most once per <see cref="PollOptions.BrokerProbeInterval"/>, for the resets the broker could not
    /// answer (its watermarks could not be read); empty when there are none or it is not time yet. A round ends at its
    /// first failure: each query may wait <see cref="PollOptions.MetadataTimeout"/> on the poll thread, and a broker that
    /// failed one now would most likely fail the rest.
    /// </summary>
    public IReadOnlyList<ResetResult> RetryDeferred()
    {
        var now = time.GetTimestamp();
        if (_deferred.Count == 0 || time.GetElapsedTime(_lastRetry, now) < options.BrokerProbeInterval)
        {
            return [];
        }

        // Each round starts after the partition the last one ended at, so one that keeps failing cannot starve the rest.
        var pending = _deferred.Values.ToArray();
        var results = new List<ResetResult>(pending.Length);
        for (var i = 0; i < pending.Length; i++)
        {
            var (position, reported, generation) = pending[(_roundStart + i) % pending.Length];
            if (!positions.TryGetGeneration(position.TopicPartition, out var current) || current != generation)
            {
                // Revoked, or assigned again since: the new assignment starts where its committed offset is.
                _deferred.Remove(position.TopicPartition);
                continue;
            }

            var result = TryReset(position, reported);
            results.Add(result);
            if (result.Outcome == ResetOutcome.Deferred)
            {
                _roundStart = (_roundStart + i + 1) % pending.Length;
                break;
            }
        }

        _lastRetry = time.GetTimestamp();
        return results;
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
            // replica behind its leader, answered. A reset would read the partition again from its start (earliest)
            // or skip to its end and lose what lies between (latest). Nothing moved, so the partition carries on from
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
