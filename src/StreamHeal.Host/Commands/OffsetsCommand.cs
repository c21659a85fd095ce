using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using StreamHeal.Operations.Groups;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>streamheal offsets show</c> and <c>offsets reset</c>: a consumer group's committed offsets, lag and owners, and
/// moving them while the group is stopped (never under a live member).
/// </summary>
internal static class OffsetsCommand
{
    public static Command Create() => new("offsets", "Show a consumer group's offsets and lag, or move them while the group is stopped.") { Show(), Reset() };

    private static Option<string?> Group() => new("--group") { Description = "The consumer group; default kafka.groupId from --config." };

    private static Option<string?> Topic() => new("--topic") { Description = "The topic; default the only topic in kafka.topics from --config." };

    private static Command Show()
    {
        var config = OperatorSettings.Config();
        var bootstrap = OperatorSettings.BootstrapServers();
        var group = Group();
        var topic = Topic();
        var json = OperatorSettings.Json();
        var show = new Command("show", "Per partition: committed offset, low and high watermark, lag and owning member, plus totals.") { config, bootstrap, group, topic, json };
        show.SetAction(async (parse, ct) =>
        {
            var (context, groupId, topicName) = await ResolveAsync(parse, config, bootstrap, group, topic);
            if (context is null)
            {
                return OperatorSettings.UsageError;
            }

            GroupOffsetsReport report;
            try
            {
                report = await new GroupOffsets(context.Connection).ShowAsync(groupId!, topicName!, ct);
            }
            catch (InvalidOperationException e)
            {
                return await OperatorSettings.UsageAsync($"--topic: {e.Message}");
            }

            if (!report.HasCommits && report.Members is not { Count: > 0 })
            {
                return await OperatorSettings.UsageAsync($"--group: group '{groupId}' has no committed offsets on '{topicName}' and no live members (a typo?).");
            }

            if (parse.GetValue(json))
            {
                WriteJson(report);
                return 0;
            }

            var console = OperatorSettings.Out();
            var table = new Table().AddColumns("partition", "committed", "low", "high", "lag", "owner");
            foreach (var p in report.Partitions)
            {
                table.AddRow(
                    p.Partition.ToString(CultureInfo.InvariantCulture), p.Committed?.ToString(CultureInfo.InvariantCulture) ?? "-", p.Low.ToString(CultureInfo.InvariantCulture),
                    p.High.ToString(CultureInfo.InvariantCulture), p.Lag.ToString(CultureInfo.InvariantCulture), Markup.Escape(p.Owner ?? "-"));
            }

            console.Write(table);
            var members = report.Members is null ? "members unknown (the broker does not describe groups)" : $"{report.Members.Count} live member(s)";
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"group {groupId}, topic {topicName}: {report.Partitions.Count} partitions, total lag {report.TotalLag}, {members}"));
            return 0;
        });
        return show;
    }

    private static Command Reset()
    {
        var config = OperatorSettings.Config();
        var bootstrap = OperatorSettings.BootstrapServers();
        var group = Group();
        var topic = Topic();
        var json = OperatorSettings.Json();
        var earliest = new Option<bool>("--to-earliest") { Description = "Move to each partition's low watermark." };
        var latest = new Option<bool>("--to-latest") { Description = "Move to each partition's high watermark (skip everything not yet read)." };
        var offset = new Option<long?>("--to-offset") { Description = "Move to this offset (clamped to each partition's watermarks)." };
        var timestamp = new Option<string?>("--to-timestamp") { Description = "Move to the first record at or after this ISO 8601 time (to the end where none is)." };
        var shiftBy = new Option<long?>("--shift-by") { Description = "Move by ±N from the committed offset (from the low watermark without one), clamped." };
        var partitions = new Option<string?>("--partitions") { Description = "Only these partitions, e.g. 0,3,7; default all." };
        var yes = new Option<bool>("--yes") { Description = "Apply without asking for confirmation." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print before → after and change nothing." };
        var reset = new Command("reset", "Move a stopped group's committed offsets (exactly one --to-* or --shift-by); refuses while the group has live members.")
        {
            config, bootstrap, group, topic, earliest, latest, offset, timestamp, shiftBy, partitions, yes, dryRun, json,
        };
        reset.SetAction(async (parse, ct) =>
        {
            var chosen = new[] { parse.GetValue(earliest), parse.GetValue(latest), parse.GetValue(offset) is not null, parse.GetValue(timestamp) is not null, parse.GetValue(shiftBy) is not null }.Count(static c => c);
            if (chosen != 1)
            {
                return await OperatorSettings.UsageAsync("Give exactly one of --to-earliest, --to-latest, --to-offset, --to-timestamp or --shift-by.");
            }

            ResetTarget target;
            if (parse.GetValue(timestamp) is { } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                {
                    return await OperatorSettings.UsageAsync($"--to-timestamp '{text}' is not an ISO 8601 time (e.g. 2026-12-06T08:00:00Z).");
                }

                target = ResetTarget.ToTimestamp(time);
            }
            else if (parse.GetValue(offset) is { } to)
            {
                if (to < 0)
                {
                    return await OperatorSettings.UsageAsync("--to-offset must be 0 or more.");
                }

                target = ResetTarget.ToOffset(to);
            }
            else
            {
                target = parse.GetValue(shiftBy) is { } delta ? ResetTarget.ShiftBy(delta) : parse.GetValue(earliest) ? ResetTarget.Earliest : ResetTarget.Latest;
            }

            IReadOnlySet<int>? selected = null;
            if (parse.GetValue(partitions) is { } list)
            {
                if (!ResetTarget.TryParsePartitions(list, out var parsed))
                {
                    return await OperatorSettings.UsageAsync($"--partitions '{list}' is not a comma-separated list of partition numbers (e.g. 0,3,7).");
                }

                selected = parsed;
            }

            var (context, groupId, topicName) = await ResolveAsync(parse, config, bootstrap, group, topic);
            if (context is null)
            {
                return OperatorSettings.UsageError;
            }

            var resetter = new OffsetResetter(context.Connection, context.Kafka.SessionTimeoutMs);
            IReadOnlyList<ResetChange> changes;
            try
            {
                changes = await resetter.PlanAsync(groupId!, topicName!, target, selected, ct);
            }
            catch (InvalidOperationException e)
            {
                return await OperatorSettings.UsageAsync($"--topic: {e.Message}");
            }
            catch (ArgumentException e)
            {
                return await OperatorSettings.UsageAsync($"--partitions: {e.Message}");
            }

            var asJson = parse.GetValue(json);
            if (!asJson)
            {
                var console = OperatorSettings.Out();
                var table = new Table().AddColumns("partition", "before", "after", "low", "high");
                foreach (var c in changes)
                {
                    table.AddRow(
                        c.Partition.ToString(CultureInfo.InvariantCulture), c.Before?.ToString(CultureInfo.InvariantCulture) ?? "-", c.After.ToString(CultureInfo.InvariantCulture),
                        c.Low.ToString(CultureInfo.InvariantCulture), c.High.ToString(CultureInfo.InvariantCulture));
                }

                console.WriteLine($"reset group {groupId} on {topicName} to {target}{(parse.GetValue(dryRun) ? " (dry run: nothing changes)" : "")}:");
                console.Write(table);
            }

            var applied = false;
            if (!parse.GetValue(dryRun))
            {
                if (!parse.GetValue(yes))
                {
                    Console.Write("Apply? [y/N] ");
                    var answer = Console.ReadLine();
                    if (!string.Equals(answer?.Trim(), "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer?.Trim(), "yes", StringComparison.OrdinalIgnoreCase))
                    {
                        Console.WriteLine("Not applied.");
                        return 1;
                    }
                }

                try
                {
                    await resetter.ApplyAsync(groupId!, topicName!, changes, ct);
                    applied = true;
                }
                catch (GroupHasMembersException e)
                {
                    await Console.Error.WriteLineAsync(e.Message);
                    return 1;
                }
            }

            if (asJson)
            {
                WriteJson(groupId!, topicName!, target, changes, applied);
            }
            else if (applied)
            {
                Console.WriteLine("Applied.");
            }

            return 0;
        });
        return reset;
    }

    private static async Task<(OperatorContext? Context, string? Group, string? Topic)> ResolveAsync(
        ParseResult parse, Option<FileInfo?> config, Option<string?> bootstrap, Option<string?> group, Option<string?> topic)
    {
        var context = await OperatorSettings.LoadAsync(parse.GetValue(config), parse.GetValue(bootstrap));
        if (context is null)
        {
            return (null, null, null);
        }

        var groupId = parse.GetValue(group) ?? (parse.GetValue(config) is null ? null : context.Kafka.GroupId);
        if (string.IsNullOrWhiteSpace(groupId))
        {
            return (await OperatorSettings.FailAsync("--group is required (or kafka.groupId in --config)."), null, null);
        }

        var topicName = parse.GetValue(topic) ?? (context.Kafka.Topics.Count == 1 ? context.Kafka.Topics[0] : null);
        if (string.IsNullOrWhiteSpace(topicName))
        {
            return (await OperatorSettings.FailAsync("--topic is required (or exactly one topic in kafka.topics of --config)."), null, null);
        }

        return (context, groupId, topicName);
    }

    private static void WriteJson(GroupOffsetsReport report)
    {
        OperatorSettings.WriteJsonLine(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("group", report.Group);
            writer.WriteString("topic", report.Topic);
            writer.WriteNumber("total_lag", report.TotalLag);
            writer.WriteNumberOrNull("members", report.Members?.Count);

            writer.WriteStartArray("partitions");
            foreach (var p in report.Partitions)
            {
                writer.WriteStartObject();
                writer.WriteNumber("partition", p.Partition);
                writer.WriteNumberOrNull("committed", p.Committed);

                writer.WriteNumber("low", p.Low);
                writer.WriteNumber("high", p.High);
                writer.WriteNumber("lag", p.Lag);
                writer.WriteString("owner", p.Owner);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static void WriteJson(string group, string topic, ResetTarget target, IReadOnlyList<ResetChange> changes, bool applied)
    {
        OperatorSettings.WriteJsonLine(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("group", group);
            writer.WriteString("topic", topic);
            writer.WriteString("target", target.ToString());
            writer.WriteBoolean("applied", applied);
            writer.WriteStartArray("partitions");
            foreach (var c in changes)
            {
                writer.WriteStartObject();
                writer.WriteNumber("partition", c.Partition);
                writer.WriteNumberOrNull("before", c.Before);

                writer.WriteNumber("after", c.After);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }
}
