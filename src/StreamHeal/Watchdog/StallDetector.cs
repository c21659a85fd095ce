namespace StreamHeal.Watchdog;

/// <summary>
/// Burrow's rule per partition, over a window: a partition is stalled when it has lag and neither its committable
/// offset nor the records finished for its topic moved for <c>stallAfter</c>, while no known outage explains it. A
/// topic whose rows are still being written (a slow sink, partitions paused by the in-flight budget) is not stalled.
/// Pure: time is passed in; one caller at a time.
/// </summary>
public sealed class StallDetector(TimeSpan stallAfter)
{
    private readonly Dictionary<(string Topic, int Partition), Progress> _progress = [];

    /// <summary>Judges one lag check; partitions missing from <paramref name="partitions"/> are forgotten (revoked).</summary>
    /// <param name="explained">A dependency or Kafka is degraded: every clock starts again, so an outage never counts as a stall.</param>
    public IReadOnlyList<Stall> Observe(IReadOnlyList<PartitionSample> partitions, bool explained, DateTimeOffset now)
    {
        var stalls = new List<Stall>();
        var seen = new HashSet<(string, int)>();
        foreach (var sample in partitions)
        {
            var key = (sample.Topic, sample.Partition);
            seen.Add(key);
            if (explained || sample.Lag <= 0 || !_progress.TryGetValue(key, out var last)
                || last.Committable != sample.Committable || last.Finished != sample.Finished)
            {
                _progress[key] = new Progress(sample.Committable, sample.Finished, now);
                continue;
            }

            var stuck = now - last.Since;
            if (stuck >= stallAfter)
            {
                stalls.Add(new Stall(sample.Topic, sample.Partition, sample.Lag, stuck, last.Since));
            }
        }

        foreach (var gone in _progress.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _progress.Remove(gone);
        }

        return stalls;
    }

    /// <summary>After a recovery step every clock starts again: the next step waits a whole <c>stallAfter</c>.</summary>
    public void Restart() => _progress.Clear();

    private readonly record struct Progress(long Committable, long Finished, DateTimeOffset Since);
}
