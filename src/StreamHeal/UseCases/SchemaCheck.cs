using System.Text.Json;
using StreamHeal.Decode;
using StreamHeal.Flatten;
using StreamHeal.Records;
using StreamHeal.Tables;
using StreamHeal.CompatFilter;

namespace StreamHeal.UseCases;

/// <summary>A field that would be written as a column.</summary>
/// <param name="Value">The value as a JSON literal.</param>
/// <param name="IsNew">True when the table does not have the column yet and this event would add it.</param>
public sealed record CheckedColumn(string Name, string Value, ColumnType Type, bool IsNew);

/// <summary>What the pipeline would do to one event.</summary>
/// <param name="DeadLetter">Why the event would go to the DLQ; null when it would be written.</param>
/// <param name="Columns">The fields that would be written, in event order; empty when dead-lettered before compat-filter.</param>
/// <param name="Removed">Fields taken out of the row by flatten or compat-filter, whatever the policy does with them.</param>
/// <param name="QuarantineJson">The row's <c>_quarantine</c> value; null when empty or the policy drops the fields.</param>
public sealed record SchemaCheckResult(
    DeadLetterReason? DeadLetter, IReadOnlyList<CheckedColumn> Columns, IReadOnlyList<QuarantinedField> Removed, string? QuarantineJson)
{
    public bool Ingested => DeadLetter is null;
}

/// <summary>
/// Runs one event through decode, flatten and compat-filter against a copy of a table's columns, exactly as the
/// pipeline's stages would, and reports the outcome without writing anything. Thread-safe.
/// </summary>
public sealed class SchemaCheck(DecodeOptions decode, FlattenOptions flatten, CompatFilterOptions schema)
{
    private readonly JsonDecoder _decoder = new(decode);
    private readonly Flattener _flattener = new(flatten);
    private readonly CompatFilter.CompatFilter _filter = new(schema);

    /// <param name="value">The event as Kafka would carry it (UTF-8 JSON).</param>
    /// <param name="existing">The table's columns before this event; they are copied, never changed.</param>
    public SchemaCheckResult Check(ReadOnlySpan<byte> value, IEnumerable<TableColumn> existing)
    {
        var decoded = _decoder.Validate(value);
        if (!decoded.IsSuccess)
        {
            return Rejected(decoded.ToDeadLetter(DecodeStage.Name));
        }

        FlatRow row;
        try
        {
            row = _flattener.Flatten(value, decoded.FieldCount);
        }
        catch (FlattenException e)
        {
            return Rejected(new DeadLetterReason(DeadLetterReason.FlattenFailedType, e.Message, FlattenStage.Name));
        }

        var table = new TableSchema("schema_check", existing);
        var before = table.Current;
        _filter.Apply(row, table);
        var removed = row.Quarantine.ToArray();
        if (removed.Length > 0 && schema.Policy == SchemaViolationPolicy.DeadLetter)
        {
            return Rejected(new DeadLetterReason("schema_violation", CompatFilterStage.Describe(removed), CompatFilterStage.Name), removed);
        }

        var after = table.Current;
        var columns = new CheckedColumn[row.Count];
        for (var i = 0; i < row.Count; i++)
        {
            var field = row[i];
            after.TryGet(field.Name, out var column);
            columns[i] = new CheckedColumn(field.Name, field.Value.ToJsonLiteral(), column.Type, !before.TryGet(field.Name, out _));
        }

        var quarantine = schema.Policy == SchemaViolationPolicy.Drop ? null : row.QuarantineJson();
        return new SchemaCheckResult(null, columns, removed, quarantine);
    }

    /// <summary>
    /// Reads a table's existing columns from <c>[{"name": "x", "type": "Int64"}, ...]</c>; a type is a
    /// <see cref="ColumnType"/> name in any case, so <c>INT64</c> and <c>STRING</c> work too.
    /// </summary>
    /// <exception cref="FormatException">The text is not such a list; the message says which entry is wrong.</exception>
    public static IReadOnlyList<TableColumn> ParseColumns(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The column list is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("The column list must be a JSON array of {\"name\": ..., \"type\": ...} objects.");
            }

            var columns = new List<TableColumn>();
            var index = 0;
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object
                    || !entry.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString())
                    || !entry.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                    || !ColumnTypeNames.TryParse(type.GetString(), out var parsed))
                {
                    throw new FormatException(
                        $"Column entry {index} must be {{\"name\": \"...\", \"type\": \"...\"}} with a type of {string.Join(", ", Enum.GetNames<ColumnType>())}.");
                }

                columns.Add(new TableColumn(name.GetString()!, parsed));
                index++;
            }

            return columns;
        }
    }

    private static SchemaCheckResult Rejected(DeadLetterReason reason, IReadOnlyList<QuarantinedField>? removed = null) =>
        new(reason, [], removed ?? [], null);
}
