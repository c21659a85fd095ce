namespace StreamHeal.Operations.Dlq;

public enum ReplayVerdict
{
    Replay,
    FilteredOut,
    /// <summary>Another dead letter of the same original record was replayed (or handled by an earlier run).</summary>
    Repeat,
    /// <summary>Already replayed <c>--max-replays</c> times: it fails every time, so it stays in the DLQ.</summary>
    OverMaxReplays,
    /// <summary>The DLQ holds a cut value or no original topic: replaying it would write something else than the original.</summary>
    Unreplayable,
}

/// <summary>
/// Decides, record by record in DLQ order, what a replay does with each dead letter. Pure: the replayer feeds it what
/// it reads, tests feed it records.
/// </summary>
/// <param name="hasDestination">A <c>--to</c> topic was given, so records without an original topic can be replayed.</param>
public sealed class ReplayPlanner(DeadLetterFilter filter, int maxReplays, bool hasDestination = false)
{
    private readonly HashSet<OriginalPosition> _handled = [];

    /// <summary>
    /// A record before the replay group's committed position: an earlier run handled it, so a later dead letter of
    /// the same original record is a repeat.
    /// </summary>
    public void MarkHandled(DeadLetterRecord record) => _handled.Add(record.Original);

    /// <summary>A record an earlier run replayed (its replay marker names it): a later dead letter of it is a repeat.</summary>
    public void MarkHandled(OriginalPosition original) => _handled.Add(original);

    public ReplayVerdict Decide(DeadLetterRecord record)
    {
        if (!filter.Matches(record))
        {
            return ReplayVerdict.FilteredOut;
        }

        if (!_handled.Add(record.Original))
        {
            return ReplayVerdict.Repeat;
        }

        if (record.IsTruncated || (!hasDestination && string.IsNullOrEmpty(record.OriginalTopic)))
        {
            return ReplayVerdict.Unreplayable;
        }

        return record.ReplayCount >= maxReplays ? ReplayVerdict.OverMaxReplays : ReplayVerdict.Replay;
    }
}
