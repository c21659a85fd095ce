using System.CommandLine;
using System.Globalization;
using StreamHeal.Operations.Dlq;

namespace StreamHeal.Host.Commands;

/// <summary>The DLQ selection <c>dlq inspect</c> and <c>dlq replay</c> share: which topic, and which dead letters in it.</summary>
internal sealed class DlqFilterOptions
{
    public Option<string?> Topic { get; } = new("--topic") { Description = "The source topic; the DLQ is named by dlq.topicTemplate (default {topic}.dlq)." };

    public Option<string?> DlqTopic { get; } = new("--dlq-topic") { Description = "The DLQ topic itself, instead of --topic." };

    public Option<string?> ErrorType { get; } = new("--error-type") { Description = "Only this streamheal.error.type (e.g. invalid_json), any case." };

    public Option<string?> Stage { get; } = new("--stage") { Description = "Only this streamheal.error.stage (e.g. decode), any case." };

    public Option<string?> Since { get; } = new("--since") { Description = "Only records at or after this ISO 8601 time (UTC unless it has an offset); see --time." };

    public Option<string?> Until { get; } = new("--until") { Description = "Only records at or before this ISO 8601 time; see --time." };

    public Option<FilterTime> Time { get; } = new("--time")
    {
        Description = "Which time --since/--until compare: failed (streamheal.failed.at) or original (the source record's timestamp).",
        DefaultValueFactory = static _ => FilterTime.Failed,
    };

    public Option<int?> Partition { get; } = new("--partition") { Description = "Only dead letters of this original partition." };

    public Option<string?> OffsetRange { get; } = new("--offset-range") { Description = "Only these original offsets: N, N-M, N- or -M (inclusive)." };

    public Option<string?> Contains { get; } = new("--contains") { Description = "Only values containing this text (UTF-8 bytes)." };

    public IEnumerable<Option> All => [Topic, DlqTopic, ErrorType, Stage, Since, Until, Time, Partition, OffsetRange, Contains];

    /// <summary>The DLQ topic and filter, or a usage error naming the option.</summary>
    public (string? DlqTopic, DeadLetterFilter? Filter, string? Error) Build(ParseResult parse, OperatorContext context)
    {
        var topic = parse.GetValue(Topic);
        var dlqTopic = parse.GetValue(DlqTopic);
        if ((topic is null) == (dlqTopic is null))
        {
            return (null, null, "Give exactly one of --topic (the source topic) or --dlq-topic.");
        }

        if (!TryTime(parse.GetValue(Since), out var since))
        {
            return (null, null, $"--since '{parse.GetValue(Since)}' is not an ISO 8601 time (e.g. 2026-12-06T08:00:00Z).");
        }

        if (!TryTime(parse.GetValue(Until), out var until))
        {
            return (null, null, $"--until '{parse.GetValue(Until)}' is not an ISO 8601 time (e.g. 2026-12-06T09:00:00Z).");
        }

        var rangeText = parse.GetValue(OffsetRange);
        Operations.Dlq.OffsetRange? range = null;
        if (rangeText is not null)
        {
            if (!Operations.Dlq.OffsetRange.TryParse(rangeText, out var parsed))
            {
                return (null, null, $"--offset-range '{rangeText}' is not N, N-M, N- or -M with N <= M.");
            }

            range = parsed;
        }

        if (parse.GetValue(Partition) is < 0)
        {
            return (null, null, "--partition must be 0 or more.");
        }

        var filter = new DeadLetterFilter
        {
            ErrorType = parse.GetValue(ErrorType),
            Stage = parse.GetValue(Stage),
            Since = since,
            Until = until,
            TimeBasis = parse.GetValue(Time),
            Partition = parse.GetValue(Partition),
            Offsets = range,
            Contains = parse.GetValue(Contains),
        };
        return (dlqTopic ?? context.Dlq.TopicFor(topic!), filter, null);
    }

    private static bool TryTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (text is null)
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        time = parsed;
        return true;
    }
}
