using System.Text.Json;

namespace StreamHeal.Sink.BigQuery.Tables;

/// <summary>
/// Reads the two properties StreamHeal decides on (name, type) from a field kept as the raw JSON BigQuery returned,
/// and turns the fields StreamHeal creates into the same raw form, so one field list holds both.
/// </summary>
internal static class BigQueryFieldJson
{
    /// <returns>The field's name, or "" when it has none (BigQuery always sends one).</returns>
    public static string Name(JsonElement field) => Text(field, "name") ?? "";

    /// <returns>The REST type name (legacy or standard SQL), or null when absent.</returns>
    public static string? Type(JsonElement field) => Text(field, "type");

    public static JsonElement From(BigQueryFieldResource field) =>
        JsonSerializer.SerializeToElement(field, BigQueryTablesJsonContext.Default.BigQueryFieldResource);

    private static string? Text(JsonElement field, string property) =>
        field.ValueKind == JsonValueKind.Object && field.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
