using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Collections;
using StreamHeal.Dev.BigQuery.Protos;
using Mode = StreamHeal.Dev.BigQuery.Protos.TableFieldSchema.Types.Mode;
using Type = StreamHeal.Dev.BigQuery.Protos.TableFieldSchema.Types.Type;

namespace StreamHeal.Dev.BigQuery;

/// <summary>
/// A table's field list as the REST API carries it. What a request sets is kept as sent — every property, the ones the
/// fake does not know included — and shown back by tables.get, with only the type under its legacy name and the mode
/// spelled out, as the real service does; a client that sends a field back without a property loses it. The Storage
/// Write side sees the same fields as protos (nested fields, maxLength, precision and scale included).
/// </summary>
internal static class FakeFieldJson
{
    private static readonly (string Property, Action<TableFieldSchema, long> Set)[] Int64Properties =
    [
        ("maxLength", static (field, value) => field.MaxLength = value),
        ("precision", static (field, value) => field.Precision = value),
        ("scale", static (field, value) => field.Scale = value),
    ];

    /// <summary>Parses a request's field list; returns an error message for one BigQuery would refuse with 400.</summary>
    /// <returns>The fields as the Storage Write API sees them, and as tables.get will show them.</returns>
    public static (TableSchema? Schema, JsonArray? Fields, string? Error) Parse(JsonNode? fields)
    {
        var schema = new TableSchema();
        var shown = new JsonArray();
        var error = ParseList(fields as JsonArray, parent: null, schema.Fields, shown);
        return error is null ? (schema, shown, null) : (null, null, error);
    }

    /// <summary>The REST form of fields made as protos (tables a test creates directly in the store).</summary>
    public static JsonArray ToJson(IEnumerable<TableFieldSchema> fields)
    {
        var json = new JsonArray();
        foreach (var field in fields)
        {
            var shown = new JsonObject { ["name"] = field.Name, ["type"] = FakeTableJson.TypeName(field.Type), ["mode"] = ModeName(field.Mode) };
            if (field.Fields.Count > 0)
            {
                shown["fields"] = ToJson(field.Fields);
            }

            if (field.Description.Length > 0)
            {
                shown["description"] = field.Description;
            }

            // int64 properties travel as JSON strings, as in every Google REST API.
            if (field.MaxLength > 0)
            {
                shown["maxLength"] = Int64Text(field.MaxLength);
            }

            if (field.Precision > 0)
            {
                shown["precision"] = Int64Text(field.Precision);
                shown["scale"] = Int64Text(field.Scale);
            }

            if (field.DefaultValueExpression.Length > 0)
            {
                shown["defaultValueExpression"] = field.DefaultValueExpression;
            }

            json.Add(shown);
        }

        return json;
    }

    private static string? ParseList(JsonArray? list, string? parent, RepeatedField<TableFieldSchema> into, JsonArray shown)
    {
        foreach (var node in list ?? [])
        {
            if (node is not JsonObject json || Text(json, "name") is not { Length: > 0 } name)
            {
                return "Invalid field: a field has no name.";
            }

            var path = parent is null ? name : $"{parent}.{name}";
            var typeName = Text(json, "type");
            if (FakeTableJson.ParseType(typeName) is not { } type)
            {
                return $"Invalid value for type: {typeName} is not a valid value (field {path}).";
            }

            var modeName = Text(json, "mode")?.ToUpperInvariant() ?? "NULLABLE";
            Mode? mode = modeName switch { "NULLABLE" => Mode.Nullable, "REQUIRED" => Mode.Required, "REPEATED" => Mode.Repeated, _ => null };
            if (mode is null)
            {
                return $"Invalid value for mode: {modeName} is not a valid value (field {path}).";
            }

            var field = new TableFieldSchema
            {
                Name = name,
                Type = type,
                Mode = mode.Value,
                Description = Text(json, "description") ?? "",
                DefaultValueExpression = Text(json, "defaultValueExpression") ?? "",
            };
            foreach (var (property, set) in Int64Properties)
            {
                if (json[property] is { } value)
                {
                    if (Int64(value) is not { } number)
                    {
                        return $"Invalid value for {property}: {value.ToJsonString()} is not a valid value (field {path}).";
                    }

                    set(field, number);
                }
            }

            var kept = (JsonObject)json.DeepClone();
            kept["type"] = FakeTableJson.TypeName(type);
            kept["mode"] = ModeName(mode.Value);
            if (type == Type.Struct)
            {
                // The real service refuses a RECORD sent without its nested fields; it never infers them from the table.
                if (json["fields"] is not JsonArray { Count: > 0 } nested)
                {
                    return $"Field {path} is type RECORD but has no schema";
                }

                var nestedShown = new JsonArray();
                if (ParseList(nested, path, field.Fields, nestedShown) is { } error)
                {
                    return error;
                }

                kept["fields"] = nestedShown;
            }

            into.Add(field);
            shown.Add(kept);
        }

        return null;
    }

    private static long? Int64(JsonNode value)
    {
        if (value is not JsonValue json)
        {
            return null;
        }

        return json.GetValueKind() switch
        {
            JsonValueKind.String => long.TryParse(json.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null,
            JsonValueKind.Number => json.TryGetValue<long>(out var number) ? number : null,
            _ => null,
        };
    }

    private static string Int64Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string ModeName(Mode mode) => mode == Mode.Unspecified ? "NULLABLE" : mode.ToString().ToUpperInvariant();

    private static string? Text(JsonObject json, string property) =>
        json[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
