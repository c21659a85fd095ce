namespace StreamHeal.Watchdog;

/// <summary>
/// Whether the partitions stalled at the last recovery step have recovered since: each moved (its committable offset
/// or its topic's finished records), caught up, or is now owned by another member. No stall alone is not enough: while
/// a new consumer waits for its assignment, nothing is assigned and nothing can stall. Pure.
/// </summary>
internal static class HealCheck
{
    public static bool Progressed(
        IReadOnlyDictionary<(string Topic, int Partition), (PartitionSample Sample, bool Starved)> atStep, IReadOnlyList<PartitionSample> samples)
    {
        if (samples.Count == 0)
        {
            return false;
        }

        var now = new Dictionary<(string Topic, int Partition), PartitionSample>(samples.Count);
        foreach (var sample in samples)
        {
            now[(sample.Topic, sample.Partition)] = sample;
        }

        foreach (var (key, (before, starved)) in atStep)
        {
            if (now.TryGetValue(key, out var after) && !Moved(before, after, starved))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Caught up counts only where the read position is known: a new consumer that has not fetched yet and whose log
    /// start the brokers did not give reads lag 0 from its empty cache, which says nothing. A partition assigned again
    /// that has committed nothing yet reads −1, which is not a move: a new consumer whose fetches hang as well must
    /// escalate, not be taken for healed. A starved partition must move itself (its topic's rows came from other
    /// partitions all along): it must read past where it stood at the step, as a new consumer starts again at the
    /// committed offset, which is not progress.
    /// </summary>
    public static bool Moved(PartitionSample before, PartitionSample after, bool starved) =>
        (after.Lag <= 0 && after.Position >= 0)
        || (after.Committable >= 0 && after.Committable != before.Committable)
        || (starved ? after.Position > before.Position : after.Finished != before.Finished);
}
