using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using StreamHeal.Operations.Dlq;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>streamheal dlq replay</c>: re-produces selected dead letters, resumable through its own consumer group on the
/// DLQ topic. Exit 0 when it ran to the end, 1 when a produce failed, 130 when interrupted (progress is kept).
/// </summary>
internal static class DlqReplayCommand
{
    public const int Interrupted = 130;

    public static Command Create()
    {
        var config = OperatorSettings.Config();
        var bootstrap = OperatorSettings.BootstrapServers();
        var json = OperatorSettings.Json();
        var filters = new DlqFilterOptions();
        var to = new Option<string?>("--to") { Description = "Produce every record to this topic instead of its streamheal.original.topic." };
        var replayGroup = new Option<string?>("--replay-group")
        {
            Description = "Consumer group whose committed offsets on the DLQ topic mark where every earlier record is settled; default <kafka.groupId>.dlq-replay.",
        };
        var maxReplays = new Option<int>("--max-replays")
        {
            Description = "Skip (and report) a record already replayed this many times (streamheal.replay.count).",
            DefaultValueFactory = static _ => ReplayOptions.DefaultMaxReplays,
        };
        var rate = new Option<double?>("--rate") { Description = "At most this many records per second." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be replayed, grouped by error type; produce and commit nothing." };
        var replay = new Command(
            "replay",
            "Re-produce dead letters (original key, value and headers, plus streamheal.replay.of/count) to their original topic; resumable, each record once. "
            + "Progress is per record: after each acknowledged produce a replay marker (header streamheal.replayed, no value) is appended to the DLQ, "
            + "so a record one run's filters skipped is still replayed by a later run whose filters select it, and no run replays a record twice. "
            + "Needs write access to the DLQ topic.")
        {
            config, bootstrap, to, replayGroup, maxReplays, rate, dryRun, json,
        };
        foreach (var option in filters.All)
        {
            replay.Options.Add(option);
        }

        replay.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(maxReplays) < 1)
            {
                return await OperatorSettings.UsageAsync("--max-replays must be at least 1.");
            }

            // NaN and infinity pass a "<= 0" check and would fail on the first record instead of here.
            if (parse.GetValue(rate) is { } perSecond && !(perSecond > 0 && double.IsFinite(perSecond)))
            {
                return await OperatorSettings.UsageAsync("--rate must be more than 0 records per second.");
            }

            var context = await OperatorSettings.LoadAsync(parse.GetValue(config), parse.GetValue(bootstrap));
            if (context is null)
            {
                return OperatorSettings.UsageError;
            }

            var (dlqTopic, filter, error) = filters.Build(parse, context);
            if (error is not null)
            {
                return await OperatorSettings.UsageAsync(error);
            }

            var options = new ReplayOptions(dlqTopic!, parse.GetValue(replayGroup) ?? context.Kafka.GroupId + ".dlq-replay")
            {
                Filter = filter!,
                To = parse.GetValue(to),
                MaxReplays = parse.GetValue(maxReplays),
                Rate = parse.GetValue(rate),
                DryRun = parse.GetValue(dryRun),
            };
            return await ReplayAsync(context, options, parse.GetValue(json), ct);
        });
        return replay;
    }

    private static async Task<int> ReplayAsync(OperatorContext context, ReplayOptions options, bool json, CancellationToken cancellationToken)
    {
        var replayer = new DeadLetterReplayer(context.Connection, options, TimeProvider.System);
        ReplaySummary summary;
        try
        {
            if (!json && OperatorSettings.Interactive)
            {
                summary = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedlessRateColumn(), new RemainingTimeColumn())
                    .StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask(options.DryRun ? "planning" : "replaying");
                        return await replayer.RunAsync(new Progress<ReplayProgress>(p =>
                        {
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Read;
                            task.Description = string.Create(CultureInfo.InvariantCulture, $"{(options.DryRun ? "planning" : "replaying")}: {p.Replayed} replayed");
                        }), cancellationToken);
                    });
            }
            else
            {
                summary = await replayer.RunAsync(null, cancellationToken);
            }
        }
        catch (InvalidOperationException e)
        {
            return await OperatorSettings.UsageAsync($"--topic/--dlq-topic: {e.Message}");
        }

        if (json)
        {
            WriteJson(options, summary);
        }
        else
        {
            WriteText(options, summary);
        }

        return summary.Failed > 0 ? 1 : summary.Interrupted ? Interrupted : 0;
    }

    private static void WriteText(ReplayOptions options, ReplaySummary summary)
    {
        var console = OperatorSettings.Out();
        if (options.DryRun)
        {
            console.WriteLine($"dry run on {options.DlqTopic} (replay group {options.ReplayGroup}): nothing produced, nothing committed");
        }

        if (summary.ReplayedByErrorType.Count > 0)
        {
            var table = new Table().AddColumns("error type", options.DryRun ? "would replay" : "replayed");
            foreach (var (type, count) in summary.ReplayedByErrorType)
            {
                table.AddRow(Markup.Escape(type), count.ToString(CultureInfo.InvariantCulture));
            }

            console.Write(table);
        }

        foreach (var skip in summary.Skipped)
        {
            var reason = skip.Verdict == ReplayVerdict.OverMaxReplays
                ? string.Create(CultureInfo.InvariantCulture, $"replayed {skip.ReplayCount} times already (--max-replays {options.MaxReplays})")
                : "value truncated in the DLQ or no original topic (use --to)";
            console.WriteLine($"skipped {skip.DlqPosition} (original {skip.Original}, {skip.ErrorType}): {reason}");
        }

        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(options.DryRun ? "would replay" : "replayed")} {summary.Replayed}, skipped by filter {summary.SkippedByFilter}, repeats {summary.Repeats}, skipped over max replays {summary.SkippedOverMaxReplays}, unreplayable {summary.Unreplayable}, failed {summary.Failed}, handled by earlier runs {summary.AlreadyHandled}{(summary.Interrupted ? "; interrupted, run again to resume" : "")}"));
        if (summary.FailureMessage is not null)
        {
            Console.Error.WriteLine(summary.FailureMessage);
        }
    }

    private static void WriteJson(ReplayOptions options, ReplaySummary summary)
    {
        OperatorSettings.WriteJsonLine(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("dlq_topic", options.DlqTopic);
            writer.WriteString("replay_group", options.ReplayGroup);
            writer.WriteBoolean("dry_run", options.DryRun);
            writer.WriteNumber("replayed", summary.Replayed);
            writer.WriteNumber("skipped_by_filter", summary.SkippedByFilter);
            writer.WriteNumber("repeats", summary.Repeats);
            writer.WriteNumber("skipped_over_max_replays", summary.SkippedOverMaxReplays);
            writer.WriteNumber("unreplayable", summary.Unreplayable);
            writer.WriteNumber("failed", summary.Failed);
            writer.WriteNumber("already_handled", summary.AlreadyHandled);
            writer.WriteBoolean("interrupted", summary.Interrupted);
            DlqCommand.WriteCounts(writer, "replayed_by_error_type", summary.ReplayedByErrorType);
            writer.WriteStartArray("skipped");
            foreach (var skip in summary.Skipped)
            {
                writer.WriteStartObject();
                writer.WriteString("dlq", skip.DlqPosition);
                writer.WriteString("original", skip.Original.ToString());
                writer.WriteString("error_type", skip.ErrorType);
                writer.WriteString("reason", skip.Verdict == ReplayVerdict.OverMaxReplays ? "max_replays" : "unreplayable");
                writer.WriteNumber("replay_count", skip.ReplayCount);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (summary.FailureMessage is not null)
            {
                writer.WriteString("failure", summary.FailureMessage);
            }

            writer.WriteEndObject();
        });
    }

    /// <summary>Records per second, without Spectre's byte units.</summary>
    private sealed class TransferSpeedlessRateColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Speed ?? 0:0}/s"));
    }
}
