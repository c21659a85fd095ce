using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamHeal.Sink.BigQuery.Tables;

/// <summary>
/// The parts of the REST API's Table resource StreamHeal reads and writes. Absent members stay null, so a PATCH body
/// names only what it changes.
/// </summary>
internal sealed record BigQueryTableResource(
    BigQueryTableReference? TableReference = null,
    BigQueryTableSchemaResource? Schema = null,
    string? Etag = null,
    BigQueryTimePartitioning? TimePartitioning = null,
    BigQueryClustering? Clustering = null);

internal sealed record BigQueryTableReference(string ProjectId, string DatasetId, string TableId);

/// <param name="Fields">
/// Each field exactly as BigQuery returned it: a customer's table carries properties StreamHeal does not model
/// (description, policy tags, maxLength, nested RECORD fields, properties added to the API later), and a PATCH
/// replaces the whole field list, so whatever is not sent back is lost or refused. See <see cref="BigQueryFieldJson"/>.
/// </param>
internal sealed record BigQueryTableSchemaResource(IReadOnlyList<JsonElement>? Fields);

/// <summary>A field StreamHeal creates: a column it writes.</summary>
/// <param name="Type">A REST type name: legacy (INTEGER, FLOAT, BOOLEAN) as tables.get returns them, or standard SQL.</param>
/// <param name="Mode">NULLABLE (also when absent), REQUIRED or REPEATED.</param>
internal sealed record BigQueryFieldResource(string Name, string Type, string? Mode = null);

/// <param name="Type">DAY, HOUR, MONTH or YEAR.</param>
internal sealed record BigQueryTimePartitioning(string Type, string? Field);

internal sealed record BigQueryClustering(IReadOnlyList<string> Fields);

/// <summary>The body of a REST error: <c>{"error":{"code","message","status","errors":[{"reason","message"}]}}</c>.</summary>
internal sealed record BigQueryErrorEnvelope(BigQueryError? Error);

internal sealed record BigQueryError(int Code, string? Message, string? Status, IReadOnlyList<BigQueryErrorItem>? Errors);

internal sealed record BigQueryErrorItem(string? Reason, string? Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BigQueryTableResource))]
[JsonSerializable(typeof(BigQueryFieldResource))]
[JsonSerializable(typeof(BigQueryErrorEnvelope))]
internal sealed partial class BigQueryTablesJsonContext : JsonSerializerContext;
