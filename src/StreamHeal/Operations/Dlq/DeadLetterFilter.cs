using System.Globalization;
using System.Text;

namespace StreamHeal.Operations.Dlq;

/// <summary>Which time <c>--since</c>/<c>--until</c> compare: when the record failed, or its original Kafka timestamp.</summary>
public enum FilterTime
{
    Failed,
    Original,
}

/// <summary>An inclusive range of original offsets: <c>N</c>, <c>N-M</c>, <c>N-</c> or <c>-M</c>.</summary>
public readonly record struct OffsetRange(long From, long To)
{
    public bool Contains(long offset) => offset >= From && offset <= To;

    public static bool TryParse(string? text, out OffsetRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            if (!TryOffset(text, out var single))
            {
                return false;
            }

            range = new OffsetRange(single, single);
            return true;
        }

        var left = text[..dash].Trim();
        var right = text[(dash + 1)..].Trim();
        long from = 0, to = long.MaxValue;
        if ((left.Length == 0 && right.Length == 0) || (left.Length > 0 && !TryOffset(left, out from)) || (right.Length > 0 && !TryOffset(right, out to)) || from > to)
        {
            return false;
        }

        range = new OffsetRange(from, to);
        return true;
    }

    private static bool TryOffset(string text, out long offset) =>
        long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
}

/// <summary>
/// Selects dead letters, the same way for <c>dlq inspect</c> and <c>dlq replay</c>. Every condition that is set must
/// hold; error type and stage compare without case. Partition and offset range are the original record's.
/// </summary>
public sealed record DeadLetterFilter
{
    public string? ErrorType { get; init; }

    public string? Stage { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public FilterTime TimeBasis { get; init; } = FilterTime.Failed;

    public int? Partition { get; init; }

    public OffsetRange? Offsets { get; init; }

    /// <summary>UTF-8 text the value must contain (byte comparison, so it also finds text inside invalid UTF-8).</summary>
    public string? Contains { get; init; }

    public static DeadLetterFilter All { get; } = new();

    public bool Matches(DeadLetterRecord record)
    {
        if (ErrorType is not null && !string.Equals(ErrorType, record.ErrorType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (Stage is not null && !string.Equals(Stage, record.ErrorStage, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (Since is not null || Until is not null)
        {
            var time = TimeBasis == FilterTime.Failed ? record.FailedAt : record.OriginalTimestamp;
            if (time is null || (Since is { } since && time < since) || (Until is { } until && time > until))
            {
                return false;
            }
        }

        if (Partition is { } partition && record.OriginalPartition != partition)
        {
            return false;
        }

        if (Offsets is { } range && (record.OriginalOffset is not { } offset || !range.Contains(offset)))
        {
            return false;
        }

        return Contains is null || (record.Value is { } value && value.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Contains)) >= 0);
    }
}
