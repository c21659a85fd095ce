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
    private readonly Dictionary<(string Topic, int Partition), Clocks> _clocks = [];

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
            var known = _clocks.TryGetValue(key, out var last);
            var progress = !known || explained || sample.Lag <= 0 || last.Committable != sample.Committable || last.Finished != sample.Finished
                ? now
                : last.ProgressSince;
            // The starvation clock: the partition's own read position and committable offset, while it could be read.
            var read = !known || explained || sample.Paused || sample.Unread <= 0 || sample.Position < 0
                || last.Position != sample.Position || last.Committable != sample.Committable
                ? now
                : last.ReadSince;
            _clocks[key] = new Clocks(sample.Committable, sample.Finished, sample.Position, progress, read);

            if (now - progress >= stallAfter)
            {
                stalls.Add(new Stall(sample.Topic, sample.Partition, sample.Lag, now - progress, progress));
            }
            else if (othersRead && now - read >= stallAfter)
            {
                // The partition itself did not move, so a moved position belongs to another partition.
                stalls.Add(new Stall(sample.Topic, sample.Partition, sample.Lag, now - read, read, Starved: true));
            }
        }

        foreach (var gone in _clocks.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _clocks.Remove(gone);
        }

        return stalls;
    }

    /// <summary>After a recovery step every clock starts again: the next step waits a whole <c>stallAfter</c>.</summary>
    public void Restart() => _clocks.Clear();

    /// <summary>True when some partition's read position differs from the one seen at the last check.</summary>
    private bool AnyPositionMoved(IReadOnlyList<PartitionSample> partitions)
    {
        foreach (var sample in partitions)
        {
            if (sample.Position >= 0 && _clocks.TryGetValue((sample.Topic, sample.Partition), out var last) && last.Position != sample.Position)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What a partition showed at the last check, and since when each rule has seen it still.</summary>
    private readonly record struct Clocks(long Committable, long Finished, long Position, DateTimeOffset ProgressSince, DateTimeOffset ReadSince);
}
