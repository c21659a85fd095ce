using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamHeal.UseCases;
using StreamHeal.Tables;

namespace StreamHeal.Host.Commands;

/// <summary>Renders a <see cref="SchemaCheckResult"/> for people (aligned text) or scripts (one JSON object).</summary>
internal static class SchemaCheckReport
{
    public static string Text(SchemaCheckResult result)
    {
        var text = new StringBuilder();
        if (result.DeadLetter is { } reason)
        {
            text.Append(CultureInfo.InvariantCulture, $"would be dead-lettered: {reason.Type} at {reason.Stage}: {reason.Message}").AppendLine();
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture,
                $"would be ingested: {result.Columns.Count} column(s), {result.Columns.Count(static c => c.IsNew)} new; {result.Removed.Count} field(s) removed").AppendLine();
        }

        if (result.Columns.Count > 0)
        {
            var width = result.Columns.Max(static c => c.Name.Length);
            var valueWidth = Math.Min(result.Columns.Max(static c => c.Value.Length), 40);
            text.AppendLine("columns:");
            foreach (var column in result.Columns)
            {
                text.Append("  ").Append(column.Name.PadRight(width)).Append("  ").Append(column.Value.PadRight(valueWidth)).Append("  ")
                    .Append(ColumnTypeNames.SqlName(column.Type)).Append(column.IsNew ? " (new)" : "").AppendLine();
            }
        }

        if (result.Removed.Count > 0)
        {
            var width = result.Removed.Max(static f => f.Name.Length);
            var valueWidth = Math.Min(result.Removed.Max(static f => f.Value.Length), 40);
            text.AppendLine("removed:");
            foreach (var field in result.Removed)
            {
                text.Append("  ").Append(field.Name.PadRight(width)).Append("  ").Append(field.Value.PadRight(valueWidth)).Append("  ").Append(field.Reason);
                if (field.ExpectedType is not null || field.ActualType is not null)
                {
                    text.Append(CultureInfo.InvariantCulture, $" (expected {field.ExpectedType ?? "-"}, actual {field.ActualType ?? "-"})");
                }

                text.AppendLine();
            }
        }

        if (result.Ingested)
        {
            text.Append("_quarantine: ").Append(result.QuarantineJson ?? "null").AppendLine();
        }

        return text.ToString();
    }

    public static async Task WriteJsonAsync(Stream output, SchemaCheckResult result, CancellationToken cancellationToken)
    {
        await using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteBoolean("ingested", result.Ingested);
            if (result.DeadLetter is { } reason)
            {
                w.WriteStartObject("dead_letter");
                w.WriteString("type", reason.Type);
                w.WriteString("stage", reason.Stage);
                w.WriteString("message", reason.Message);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("dead_letter");
            }

            w.WriteStartArray("columns");
            foreach (var column in result.Columns)
            {
                w.WriteStartObject();
                w.WriteString("name", column.Name);
                w.WritePropertyName("value");
                w.WriteRawValue(column.Value);
                w.WriteString("type", ColumnTypeNames.SqlName(column.Type));
                w.WriteBoolean("new", column.IsNew);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("removed");
            foreach (var field in result.Removed)
            {
                w.WriteStartObject();
                w.WriteString("name", field.Name);
                w.WritePropertyName("value");
                w.WriteRawValue(field.Value);
                w.WriteString("reason", field.Reason);
                w.WriteString("expected_type", field.ExpectedType);
                w.WriteString("actual_type", field.ActualType);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WritePropertyName("quarantine");
            if (result.QuarantineJson is null)
            {
                w.WriteNullValue();
            }
            else
            {
                w.WriteRawValue(result.QuarantineJson);
            }

            w.WriteEndObject();
            await w.FlushAsync(cancellationToken);
        }

        await output.WriteAsync("\n"u8.ToArray(), cancellationToken);
        await output.FlushAsync(cancellationToken);
    }
}
