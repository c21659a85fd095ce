using System.Globalization;
using System.Text.Json.Nodes;
using StreamHeal.Sink.BigQuery.Protos;
using Mode = StreamHeal.Sink.BigQuery.Protos.TableFieldSchema.Types.Mode;
using Type = StreamHeal.Sink.BigQuery.Protos.TableFieldSchema.Types.Type;

namespace StreamHeal.Host.DevBigQuery;

/// <summary>A table parsed from a REST request body: what tables.insert and tables.patch may set.</summary>
internal sealed record FakeTableRequest(string? ProjectId, string? DatasetId, string? TableId, TableSchema? Schema, string? PartitionField, IReadOnlyList<string> Clustering);

/// <summary>
/// The REST API's Table resource and error bodies. Types come back under their legacy names (INTEGER, FLOAT, BOOLEAN)
/// as the real tables.get returns them, and both legacy and standard SQL names are accepted on the way in; int64
/// values such as times travel as JSON strings, as in every Google REST API.
/// </summary>
internal static class FakeTableJson
{
    public static string TypeName(Type type) => type switch
    {
        Type.String => "STRING",
        Type.Int64 => "INTEGER",
        Type.Double => "FLOAT",
        Type.Bool => "BOOLEAN",
        Type.Struct => "RECORD",
        _ => type.ToString().ToUpperInvariant(),
    };

    public static Type? ParseType(string? name) => name?.ToUpperInvariant() switch
    {
        "STRING" => Type.String,
        "INTEGER" or "INT64" => Type.Int64,
        "FLOAT" or "FLOAT64" => Type.Double,
        "BOOLEAN" or "BOOL" => Type.Bool,
        "BYTES" => Type.Bytes,
        "NUMERIC" => Type.Numeric,
        "BIGNUMERIC" => Type.Bignumeric,
        "DATE" => Type.Date,
        "TIMESTAMP" => Type.Timestamp,
        "DATETIME" => Type.Datetime,
        "TIME" => Type.Time,
        "GEOGRAPHY" => Type.Geography,
        "JSON" => Type.Json,
        _ => null,
    };

    public static JsonObject Table(FakeTableView table)
    {
        var fields = new JsonArray();
        foreach (var field in table.Schema.Fields)
        {
            fields.Add(new JsonObject { ["name"] = field.Name, ["type"] = TypeName(field.Type), ["mode"] = ModeName(field.Mode) });
        }

        var json = new JsonObject
        {
            ["kind"] = "bigquery#table",
            ["etag"] = table.Etag,
            ["id"] = $"{table.ProjectId}:{table.DatasetId}.{table.TableId}",
            ["tableReference"] = new JsonObject { ["projectId"] = table.ProjectId, ["datasetId"] = table.DatasetId, ["tableId"] = table.TableId },
            ["schema"] = new JsonObject { ["fields"] = fields },
            ["creationTime"] = Millis(table.CreatedAt),
            ["lastModifiedTime"] = Millis(table.ModifiedAt),
            ["type"] = "TABLE",
        };
        if (table.TimePartitioningField is { } partition)
        {
            json["timePartitioning"] = new JsonObject { ["type"] = "DAY", ["field"] = partition };
        }

        if (table.ClusteringFields.Count > 0)
        {
            json["clustering"] = new JsonObject { ["fields"] = new JsonArray([.. table.ClusteringFields.Select(name => JsonValue.Create(name))]) };
        }

        return json;
    }

    /// <summary>The body of a REST error: <c>{"error":{"code","message","status","errors":[{"message","domain","reason"}]}}</c>.</summary>
    public static JsonObject Error(int code, string status, string reason, string message) => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["domain"] = "global", ["reason"] = reason }),
            ["status"] = status,
        },
    };

    /// <summary>Parses a Table resource from a request; returns an error message for a body BigQuery would refuse with 400.</summary>
    public static (FakeTableRequest? Table, string? Error) ParseTable(JsonNode? body)
    {
        if (body is not JsonObject json)
        {
            return (null, "Invalid JSON payload received.");
        }

        var reference = json["tableReference"] as JsonObject;
        TableSchema? schema = null;
        if (json["schema"] is { } schemaNode)
        {
            var (parsed, error) = ParseSchema(schemaNode);
            if (error is not null)
            {
                return (null, error);
            }

            schema = parsed;
        }

        var clustering = (json["clustering"]?["fields"] as JsonArray)?.Select(node => node?.GetValue<string>() ?? "").ToArray() ?? [];
        return (new FakeTableRequest(
            Text(reference, "projectId"), Text(reference, "datasetId"), Text(reference, "tableId"), schema,
            Text(json["timePartitioning"] as JsonObject, "field"), clustering), null);
    }

    private static (TableSchema? Schema, string? Error) ParseSchema(JsonNode schemaNode)
    {
        var schema = new TableSchema();
        foreach (var node in schemaNode["fields"] as JsonArray ?? [])
        {
            var name = Text(node as JsonObject, "name");
            if (string.IsNullOrEmpty(name))
            {
                return (null, "Invalid field: a field has no name.");
            }

            var typeName = Text(node as JsonObject, "type");
            if (ParseType(typeName) is not { } type)
            {
                return (null, $"Invalid value for type: {typeName} is not a valid value (field {name}).");
            }

            var modeName = Text(node as JsonObject, "mode")?.ToUpperInvariant() ?? "NULLABLE";
            Mode? mode = modeName switch { "NULLABLE" => Mode.Nullable, "REQUIRED" => Mode.Required, "REPEATED" => Mode.Repeated, _ => null };
            if (mode is null)
            {
                return (null, $"Invalid value for mode: {modeName} is not a valid value (field {name}).");
            }

            schema.Fields.Add(new TableFieldSchema { Name = name, Type = type, Mode = mode.Value });
        }

        return (schema, null);
    }

    private static string ModeName(Mode mode) => mode == Mode.Unspecified ? "NULLABLE" : mode.ToString().ToUpperInvariant();

    private static string Millis(DateTimeOffset time) => time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static string? Text(JsonObject? json, string property) =>
        json?[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
