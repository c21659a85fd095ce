using System.Globalization;
using System.Text.Json.Nodes;
using StreamHeal.Sink.BigQuery.Tables;
using StreamHeal.Dev.BigQuery.Protos;
using Type = StreamHeal.Dev.BigQuery.Protos.TableFieldSchema.Types.Type;

namespace StreamHeal.Dev.BigQuery;

/// <summary>A table parsed from a REST request body: what tables.insert and tables.patch may set.</summary>
/// <param name="Fields">The field list as tables.get will show it (see <see cref="FakeFieldJson"/>); null when no schema was sent.</param>
internal sealed record FakeTableRequest(
    string? ProjectId, string? DatasetId, string? TableId, TableSchema? Schema, JsonArray? Fields, string? PartitionField, IReadOnlyList<string> Clustering);

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

    // The standard SQL aliases are the library's to know: a name it would not read back must not be one the fake accepts.
    public static Type? ParseType(string? name) => BigQueryRestTypes.Canonical(name) switch
    {
        "STRING" => Type.String,
        "INTEGER" => Type.Int64,
        "FLOAT" => Type.Double,
        "BOOLEAN" => Type.Bool,
        "BYTES" => Type.Bytes,
        "NUMERIC" => Type.Numeric,
        "BIGNUMERIC" => Type.Bignumeric,
        "RECORD" => Type.Struct,
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
        var json = new JsonObject
        {
            ["kind"] = "bigquery#table",
            ["etag"] = table.Etag,
            ["id"] = $"{table.ProjectId}:{table.DatasetId}.{table.TableId}",
            ["tableReference"] = new JsonObject { ["projectId"] = table.ProjectId, ["datasetId"] = table.DatasetId, ["tableId"] = table.TableId },
            ["schema"] = new JsonObject { ["fields"] = table.Fields.DeepClone() },
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
        JsonArray? fields = null;
        if (json["schema"] is { } schemaNode)
        {
            (schema, fields, var error) = FakeFieldJson.Parse(schemaNode["fields"]);
            if (error is not null)
            {
                return (null, error);
            }
        }

        var clustering = (json["clustering"]?["fields"] as JsonArray)?.Select(node => node?.GetValue<string>() ?? "").ToArray() ?? [];
        return (new FakeTableRequest(
            Text(reference, "projectId"), Text(reference, "datasetId"), Text(reference, "tableId"), schema, fields,
            Text(json["timePartitioning"] as JsonObject, "field"), clustering), null);
    }

    private static string Millis(DateTimeOffset time) => time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static string? Text(JsonObject? json, string property) =>
        json?[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
