using System.Globalization;

namespace StreamHeal.Operations.Groups;

public enum ResetKind
{
    Earliest,
    Latest,
    Offset,
    Timestamp,
    ShiftBy,
}

/// <summary>Where <c>offsets reset</c> moves each partition; exactly one per reset.</summary>
public sealed record ResetTarget(ResetKind Kind, long Value = 0, DateTimeOffset? Time = null)
{
    public static ResetTarget Earliest { get; } = new(ResetKind.Earliest);

    public static ResetTarget Latest { get; } = new(ResetKind.Latest);

    public static ResetTarget ToOffset(long offset) => new(ResetKind.Offset, offset);

    public static ResetTarget ToTimestamp(DateTimeOffset time) => new(ResetKind.Timestamp, Time: time);

    public static ResetTarget ShiftBy(long delta) => new(ResetKind.ShiftBy, delta);

    /// <summary>
    /// The new committed offset of one partition, always inside <c>[low, high]</c> (as Kafka's own tool clamps).
    /// </summary>
    /// <param name="committed">The group's committed offset, or null when it has none (shift-by then counts from low).</param>
    /// <param name="offsetForTime">For <see cref="ResetKind.Timestamp"/>: the first offset at or after the time, or null
    /// when no record is that late (the partition moves to its end).</param>
    public long Resolve(long? committed, long low, long high, long? offsetForTime = null)
    {
        var target = Kind switch
        {
            ResetKind.Earliest => low,
            ResetKind.Latest => high,
            ResetKind.Offset => Value,
            ResetKind.Timestamp => offsetForTime ?? high,
            // Saturating: a shift past long.MaxValue must land at the end, not wrap to a negative offset clamped to low.
            ResetKind.ShiftBy => Value > 0 && (committed ?? low) > long.MaxValue - Value ? long.MaxValue : (committed ?? low) + Value,
            _ => throw new InvalidOperationException($"Unknown reset kind {Kind}."),
        };
        return Math.Clamp(target, low, high);
    }

    public override string ToString() => Kind switch
    {
        ResetKind.Earliest => "earliest",
        ResetKind.Latest => "latest",
        ResetKind.Offset => string.Create(CultureInfo.InvariantCulture, $"offset {Value}"),
        ResetKind.Timestamp => $"timestamp {Time:O}",
        _ => string.Create(CultureInfo.InvariantCulture, $"shift by {Value:+0;-0;0}"),
    };

    /// <summary>Parses <c>0,3,7</c> into partition ids; false on anything else (empty items, negatives, text).</summary>
    public static bool TryParsePartitions(string? text, out IReadOnlySet<int> partitions)
    {
        var result = new SortedSet<int>();
        partitions = result;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        foreach (var item in text.Split(','))
        {
            if (!int.TryParse(item.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
            {
                return false;
            }

            result.Add(partition);
        }

        return true;
    }
}
