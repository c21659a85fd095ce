using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using StreamHeal.DeadLetter;
using StreamHeal.Operations.Dlq;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>streamheal dlq inspect</c>: lists and counts dead letters, changing nothing (assign + watermarks, no group, no
/// commit). <c>streamheal dlq replay</c> lives in <see cref="DlqReplayCommand"/>.
/// </summary>
internal static class DlqCommand
{
    private const int PreviewChars = 160;

    public static Command Create()
    {
        var config = OperatorSettings.Config();
        var bootstrap = OperatorSettings.BootstrapServers();
        var json = OperatorSettings.Json();
        var filters = new DlqFilterOptions();
        var limit = new Option<int>("--limit") { Description = "List at most this many dead letters (the counts cover every match).", DefaultValueFactory = static _ => 50 };
        var showValue = new Option<bool>("--show-value") { Description = "Add each value's size, SHA-256 and a printable preview (truncated)." };
        var inspect = new Command("inspect", "List dead letters with their streamheal.* headers and count them per error type and stage; repeats of one original record count once. Changes nothing.")
        {
            config, bootstrap, limit, showValue, json,
        };
        foreach (var option in filters.All)
        {
            inspect.Options.Add(option);
        }

        inspect.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(limit) < 0)
            {
                return await OperatorSettings.UsageAsync("--limit must be 0 or more.");
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

            return await InspectAsync(context, dlqTopic!, filter!, parse.GetValue(limit), parse.GetValue(showValue), parse.GetValue(json), ct);
        });
        return new Command("dlq", "Inspect and replay the dead-letter topic.") { inspect, DlqReplayCommand.Create() };
    }

    private static async Task<int> InspectAsync(OperatorContext context, string dlqTopic, DeadLetterFilter filter, int limit, bool showValue, bool json, CancellationToken cancellationToken)
    {
        DeadLetterScan scan;
        try
        {
            scan = DeadLetterScan.Open(context.Connection, dlqTopic, "streamheal-dlq-inspect");
        }
        catch (InvalidOperationException e)
        {
            return await OperatorSettings.UsageAsync($"--topic/--dlq-topic: {e.Message}");
        }

        using (scan)
        {
            var tally = new DeadLetterTally();
            long listed = 0, total = 0;
            var console = OperatorSettings.Out();
            var table = new Table().AddColumns("dlq position", "original", "error type", "stage", "failed at", "replays", "message");
            await foreach (var record in scan.ReadAsync(cancellationToken))
            {
                total++;
                if (!filter.Matches(record))
                {
                    continue;
                }

                var first = tally.Add(record);
                if (listed >= limit)
                {
                    continue;
                }

                listed++;
                if (json)
                {
                    WriteJson(record, !first, showValue);
                }
                else if (showValue)
                {
                    // A value preview does not fit a table cell: one block per record instead.
                    console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{record.DlqPosition}  original {record.Original}{(first ? "" : " (repeat)")}  {record.ErrorType}/{record.ErrorStage}  failed {FailedAt(record)}  replays {record.ReplayCount}"));
                    console.WriteLine($"  {record.ErrorMessage}");
                    console.WriteLine($"  {ValueLine(record)}");
                }
                else
                {
                    var message = record.ErrorMessage.Length > 80 ? record.ErrorMessage[..80] + "…" : record.ErrorMessage;
                    table.AddRow(
                        Markup.Escape(record.DlqPosition), Markup.Escape(record.Original + (first ? "" : " (repeat)")), Markup.Escape(record.ErrorType), Markup.Escape(record.ErrorStage),
                        FailedAt(record), record.ReplayCount.ToString(CultureInfo.InvariantCulture), Markup.Escape(message));
                }
            }

            if (json)
            {
                WriteSummaryJson(dlqTopic, total, tally, scan.Probes);
                return 0;
            }

            if (table.Rows.Count > 0)
            {
                console.Write(table);
            }

            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{dlqTopic}: {total} dead letters read, {tally.Records + tally.Repeats} match, {tally.Records} distinct records, {tally.Repeats} repeats, {scan.Probes} probe records and {scan.ReplayMarkers.Count} replay markers skipped; listed {listed}"));
            var counts = new Table().AddColumns("by", "name", "records");
            foreach (var (type, count) in tally.ByErrorType)
            {
                counts.AddRow("error type", Markup.Escape(type), count.ToString(CultureInfo.InvariantCulture));
            }

            foreach (var (stage, count) in tally.ByStage)
            {
                counts.AddRow("stage", Markup.Escape(stage), count.ToString(CultureInfo.InvariantCulture));
            }

            if (tally.Records > 0)
            {
                console.Write(counts);
            }

            return 0;
        }
    }

    private static string FailedAt(DeadLetterRecord record) =>
        record.FailedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "";

    private static string ValueLine(DeadLetterRecord record)
    {
        if (record.Value is not { } value)
        {
            return "value: null";
        }

        var truncated = record.StreamHealHeaders.TryGetValue(DeadLetterHeaders.ValueTruncated, out var size) ? $" (cut from {size} bytes)" : "";
        return string.Create(CultureInfo.InvariantCulture, $"value: {value.Length} bytes{truncated}, sha256 {Convert.ToHexStringLower(SHA256.HashData(value))}: {Preview(value)}");
    }

    /// <summary>Printable text of the value's start: invalid UTF-8 and control characters become '.'.</summary>
    internal static string Preview(byte[] value)
    {
        var text = Encoding.UTF8.GetString(value.AsSpan(0, Math.Min(value.Length, PreviewChars * 4)));
        var builder = new StringBuilder(Math.Min(text.Length, PreviewChars + 1));
        foreach (var c in text)
        {
            if (builder.Length == PreviewChars)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) || c == '\uFFFD' ? '.' : c);
        }

        return builder.ToString();
    }

    private static void WriteJson(DeadLetterRecord record, bool repeat, bool showValue)
    {
        OperatorSettings.WriteJsonLine(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("dlq_topic", record.DlqTopic);
            writer.WriteNumber("dlq_partition", record.DlqPartition);
            writer.WriteNumber("dlq_offset", record.DlqOffset);
            writer.WriteBoolean("repeat", repeat);
            writer.WriteStartObject("headers");
            foreach (var (name, text) in record.StreamHealHeaders)
            {
                writer.WriteString(name, text);
            }

            writer.WriteEndObject();
            if (record.Key is { } key)
            {
                writer.WriteBase64String("key", key);
            }

            writer.WriteNumber("value_size", record.Value?.Length ?? -1);
            if (showValue && record.Value is { } value)
            {
                writer.WriteString("value_sha256", Convert.ToHexStringLower(SHA256.HashData(value)));
                writer.WriteString("value_preview", Preview(value));
            }

            writer.WriteEndObject();
        });
    }

    private static void WriteSummaryJson(string dlqTopic, long total, DeadLetterTally tally, long probes)
    {
        OperatorSettings.WriteJsonLine(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("summary");
            writer.WriteString("dlq_topic", dlqTopic);
            writer.WriteNumber("read", total);
            writer.WriteNumber("records", tally.Records);
            writer.WriteNumber("repeats", tally.Repeats);
            writer.WriteNumber("probes", probes);
            WriteCounts(writer, "by_error_type", tally.ByErrorType);
            WriteCounts(writer, "by_stage", tally.ByStage);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    internal static void WriteCounts(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, long> counts)
    {
        writer.WriteStartObject(name);
        foreach (var (key, count) in counts)
        {
            writer.WriteNumber(key, count);
        }

        writer.WriteEndObject();
    }
}
