using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using StreamHeal.Offsets;
using StreamHeal.Telemetry;
using StreamHeal.Flow;

namespace StreamHeal.Poll;

/// <summary>
/// The group's rebalance callbacks, run by librdkafka on the poll thread. An assigned partition starts at its committed
/// offset (or per kafka.startFrom) under a new tracker generation; a revoked one first gets a bounded wait for its
/// records in flight, then its complete range is committed; a lost one is dropped without a commit, because another
/// member may own it already.
/// </summary>
internal sealed class RebalanceHandler(
    PartitionPositions positions, OffsetTracker tracker, HoldQueue held, InFlightBudget budget, OffsetCommitter committer,
    KafkaConditions conditions, PipelineMetrics metrics, PollOptions options, ILogger logger, TimeProvider time, Action<string, IReadOnlyList<int>>? onAssigned)
{
    // Wakes the revoke wait at least this often even when no completion signals it, to re-check the clock.
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(50);

    /// <summary>Set when the assignment changed; the loop re-applies pauses and clears it.</summary>
    public bool AssignmentChanged { get; set; }

    /// <summary>Set on shutdown: Close() runs the revoke callback, and the drain already waited.</summary>
    public bool Stopping { get; set; }

    public IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        Dictionary<TopicPartition, Offset> committed = [];
        try
        {
            foreach (var c in consumer.Committed(partitions, options.MetadataTimeout))
            {
                committed[c.TopicPartition] = c.Offset;
            }
        }
        catch (KafkaException e)
        {
            // Without committed offsets the partitions start where librdkafka finds them; a missing one then shows up
            // as an offset-reset error, which is handled like any other reset.
            Log.KafkaError(logger, e.Error.Code, $"reading committed offsets on assignment: {e.Error.Reason}");
        }

        var start = new List<TopicPartitionOffset>(partitions.Count);
        var endKnown = true;
        foreach (var partition in partitions)
        {
            var offset = StartOf(partition, committed);
            if (offset == Offset.End && endKnown)
            {
                (offset, endKnown) = ResolveEnd(consumer, partition);
            }

            positions.Begin(partition, offset);
            start.Add(new TopicPartitionOffset(partition, offset));
        }

        AssignmentChanged = true;
        metrics.RecordRebalance("assigned");
        foreach (var topic in partitions.GroupBy(static p => p.Topic))
        {
            Log.AssignmentStarts(logger, topic.Key, topic.Count(), StartSummary.Describe(topic, committed, options.StartFrom));
            onAssigned?.Invoke(topic.Key, [.. topic.Select(static p => p.Partition.Value)]);
        }

        return start;
    }

    /// <summary>
    /// "Latest" made an offset now. Left logical, librdkafka resolves it at the first fetch, and an assignment set again
    /// before anything was polled (an offset reset of another partition) resolves it once more, past whatever arrived
    /// in between. librdkafka's watermark query asks with the consumer's isolation level, so under read_committed the
    /// end is the last stable offset, as the logical one would be. A query that fails leaves it logical, and the
    /// partitions after it too (the broker is not answering; each query would wait for the timeout).
    /// </summary>
    private (Offset Offset, bool EndKnown) ResolveEnd(IConsumer<byte[]?, byte[]?> consumer, TopicPartition partition)
    {
        try
        {
            var high = consumer.QueryWatermarkOffsets(partition, options.MetadataTimeout).High;
            return high.Value >= 0 ? (high, true) : (Offset.End, true);
        }
        catch (KafkaException e)
        {
            Log.KafkaError(logger, e.Error.Code, $"reading the end of {KafkaText.Of(partition)} for kafka.startFrom latest; the partition starts wherever the client finds its end: {e.Error.Reason}");
            return (Offset.End, false);
        }
    }

    private Offset StartOf(TopicPartition partition, Dictionary<TopicPartition, Offset> committed)
    {
        if (!committed.TryGetValue(partition, out var offset))
        {
            return Offset.Unset;
        }

        if (offset.Value >= 0)
        {
            return offset;
        }

        return options.StartFrom == StartFrom.Earliest ? Offset.Beginning : Offset.End;
    }

    public void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> revoked)
    {
        var partitions = revoked.ConvertAll(static p => p.TopicPartition);
        if (!Stopping)
        {
            WaitForPending(partitions);
        }

        committer.StoreAdvanced(force: true);
        var final = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var partition in partitions)
        {
            if (RevokeOwn(partition) is { } offset)
            {
                final.Add(new TopicPartitionOffset(partition, offset));
            }

            Forget(partition);
        }

        if (Stopping)
        {
            // Close() runs this callback. A synchronous commit from inside consumer_close can wait for ever on a group
            // that is already leaving (seen with two members stopping at once); shutdown committed just before Close(),
            // and librdkafka's auto-commit sends whatever is stored here as part of the close.
            final.ForEach(offset => committer.TryStore(consumer, offset));
        }
        else
        {
            committer.CommitSync(consumer, final, "revoke");
        }

        AssignmentChanged = true;
        metrics.RecordRebalance("revoked");
        Log.PartitionsRevoked(logger, KafkaText.Of(partitions), string.Join(", ", final.Select(KafkaText.Of)));
    }

    public void OnLost(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> lost)
    {
        // Another member may own these already: committing now could move its offsets, so nothing is committed.
        foreach (var partition in lost)
        {
            RevokeOwn(partition.TopicPartition);
            Forget(partition.TopicPartition);
        }

        AssignmentChanged = true;
        metrics.RecordRebalance("lost");
        Log.PartitionsLost(logger, KafkaText.Of(lost.Select(static p => p.TopicPartition)));
    }

    /// <summary>Revokes this loop's assignment of the partition, never a successor's (see <see cref="OffsetTracker.Revoke(TopicPartition, long)"/>).</summary>
    private long? RevokeOwn(TopicPartition partition) =>
        positions.TryGetGeneration(partition, out var generation) ? tracker.Revoke(partition, generation) : null;

    private void Forget(TopicPartition partition)
    {
        positions.Forget(partition);
        held.Remove(partition, budget);
        conditions.Forget(partition);
    }

    /// <summary>Waits, signalled by each completion, until the partitions' records in the pipeline are done or the bound passes.</summary>
    private void WaitForPending(List<TopicPartition> partitions)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var pending = 0;
            foreach (var partition in partitions)
            {
                pending += tracker.Pending(partition);
            }

            // Held records never reach the sink while we wait here, so they do not count.
            pending -= held.CountOf(partitions);
            if (pending <= 0)
            {
                return;
            }

            var left = options.RevokeDrainTimeout - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                Log.RevokeTimedOut(logger, KafkaText.Of(partitions), pending);
                return;
            }

            tracker.WaitForCompletion(left < WaitSlice ? left : WaitSlice);
        }
    }
}

/// <summary>Where a topic's newly assigned partitions start, in one line however many partitions there are.</summary>
internal static class StartSummary
{
    private const int ListedRanges = 8;

    public static string Describe(IEnumerable<TopicPartition> partitions, Dictionary<TopicPartition, Offset> committed, StartFrom startFrom)
    {
        var fromCommitted = new List<int>();
        var fromDefault = new List<int>();
        var unknown = new List<int>();
        foreach (var partition in partitions)
        {
            var list = !committed.TryGetValue(partition, out var offset) ? unknown : offset.Value >= 0 ? fromCommitted : fromDefault;
            list.Add(partition.Partition.Value);
        }

        var parts = new List<string>(3);
        if (fromCommitted.Count > 0)
        {
            parts.Add($"{Ranges(fromCommitted)} at their committed offsets");
        }

        if (fromDefault.Count > 0)
        {
            parts.Add($"{Ranges(fromDefault)} at the {(startFrom == StartFrom.Earliest ? "beginning" : "end")} (no committed offset, kafka.startFrom={startFrom})");
        }

        if (unknown.Count > 0)
        {
            parts.Add($"{Ranges(unknown)} where the broker says (committed offsets could not be read)");
        }

        return string.Join("; ", parts);
    }

    /// <summary>"partitions 0-3, 7" style, with at most a few ranges listed.</summary>
    public static string Ranges(List<int> partitions)
    {
        partitions.Sort();
        var ranges = new List<string>();
        var i = 0;
        while (i < partitions.Count && ranges.Count < ListedRanges)
        {
            var j = i;
            while (j + 1 < partitions.Count && partitions[j + 1] == partitions[j] + 1)
            {
                j++;
            }

            ranges.Add(i == j ? $"{partitions[i]}" : $"{partitions[i]}-{partitions[j]}");
            i = j + 1;
        }

        var more = i < partitions.Count ? $" and {partitions.Count - i} more" : "";
        return $"{(partitions.Count == 1 ? "partition" : "partitions")} {string.Join(", ", ranges)}{more}";
    }
}
