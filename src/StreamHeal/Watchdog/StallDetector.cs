namespace StreamHeal.Watchdog;

/// <summary>
/// Burrow's rule per partition, over a window: a partition is stalled when it has lag and neither its committable
/// offset nor the records finished for its topic moved for <c>stallAfter</c>, while no known outage explains it. A
/// topic whose rows are still being written (a slow sink, partitions paused by the in-flight budget) is not stalled.
/// <para>
/// The topic's progress can hide one partition that is never read (its leader hangs, or the client left its fetcher
/// stopped) while its siblings keep the topic moving. So a second rule: a partition with unread records, not held back
/// by the poll loop, whose read position and committable offset did not move for <c>stallAfter</c>, while another
/// partition's position moved at this check, is starved. A blocked loop moves no position, so it is never starved.
/// </para>
/// Pure: time is passed in; one caller at a time.
/// </summary>
public sealed class StallDetector(TimeSpan stallAfter)
{
    private readonly Dictionary<(string Topic, int Partition), Progress> _progress = [];
    private readonly Dictionary<(string Topic, int Partition), Reading> _reading = [];

    /// <summary>Judges one lag check; partitions missing from <paramref name="partitions"/> are forgotten (revoked).</summary>
    /// <param name="explained">A dependency or Kafka is degraded: every clock starts again, so an outage never counts as a stall.</param>
    public IReadOnlyList<Stall> Observe(IReadOnlyList<PartitionSample> partitions, bool explained, DateTimeOffset now)
    {
        var othersRead = AnyPositionMoved(partitions);
        var stalls = new List<Stall>();
        var seen = new HashSet<(string, int)>();
        foreach (var sample in partitions)
        {
            var key = (sample.Topic, sample.Partition);
            seen.Add(key);
            var starvedSince = Starved(key, sample, explained, othersRead, now);
            if (explained || sample.Lag <= 0 || !_progress.TryGetValue(key, out var last)
                || last.Committable != sample.Committable || last.Finished != sample.Finished)
            {
                _progress[key] = new Progress(sample.Committable, sample.Finished, now);
                if (starvedSince is { } since)
                {
                    stalls.Add(new Stall(sample.Topic, sample.Partition, sample.Lag, now - since, since, Starved: true));
                }

                continue;
            }

            var stuck = now - last.Since;
            if (stuck >= stallAfter)
            {
                stalls.Add(new Stall(sample.Topic, sample.Partition, sample.Lag, stuck, last.Since));
            }
            else if (starvedSince is { } since)
            {
                stalls.Add(new Stall(sample.Topic, sample.Partition, sample.Lag, now - since, since, Starved: true));
            }
        }

        Forget(_progress, seen);
        Forget(_reading, seen);
        return stalls;
    }

    /// <summary>After a recovery step every clock starts again: the next step waits a whole <c>stallAfter</c>.</summary>
    public void Restart()
    {
        _progress.Clear();
        _reading.Clear();
    }

    /// <summary>True when some partition's read position differs from the one seen at the last check.</summary>
    private bool AnyPositionMoved(IReadOnlyList<PartitionSample> partitions)
    {
        foreach (var sample in partitions)
        {
            if (sample.Position >= 0 && _reading.TryGetValue((sample.Topic, sample.Partition), out var last) && last.Position != sample.Position)
            {
                return true;
            }
        }

        return false;
    }

    /// <returns>Since when the partition has been starved, once that is <c>stallAfter</c> or more; otherwise null.</returns>
    private DateTimeOffset? Starved((string Topic, int Partition) key, PartitionSample sample, bool explained, bool othersRead, DateTimeOffset now)
    {
        if (explained || sample.Paused || sample.Unread <= 0 || sample.Position < 0 || !_reading.TryGetValue(key, out var last)
            || last.Position != sample.Position || last.Committable != sample.Committable)
        {
            _reading[key] = new Reading(sample.Position, sample.Committable, now);
            return null;
        }

        // The partition itself did not move, so a moved position belongs to another partition.
        return othersRead && now - last.Since >= stallAfter ? last.Since : null;
    }

    private static void Forget<T>(Dictionary<(string Topic, int Partition), T> clocks, HashSet<(string, int)> seen)
    {
        foreach (var gone in clocks.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            clocks.Remove(gone);
        }
    }

    private readonly record struct Progress(long Committable, long Finished, DateTimeOffset Since);

    private readonly record struct Reading(long Position, long Committable, DateTimeOffset Since);
}
