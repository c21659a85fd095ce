using StreamHeal.Sink.BigQuery.Protos;
using Mode = StreamHeal.Sink.BigQuery.Protos.TableFieldSchema.Types.Mode;
using Type = StreamHeal.Sink.BigQuery.Protos.TableFieldSchema.Types.Type;

namespace StreamHeal.Host.DevBigQuery;

/// <summary>
/// BigQuery's rules for a new table's schema and for changing one, with messages shaped like the real ones: a
/// change may only add NULLABLE columns (or relax REQUIRED to NULLABLE); removing a column or changing its type is refused.
/// Column names compare case-insensitively, as BigQuery's do. Each method returns null when the schema is acceptable.
/// </summary>
internal static class FakeSchemaRules
{
    public static string? CheckNew(string tableName, TableSchema schema, string? partitionField, IReadOnlyList<string> clustering)
    {
        if (Duplicate(schema) is { } duplicate)
        {
            return $"Field {duplicate} already exists in schema of table {tableName}.";
        }

        if (partitionField is not null)
        {
            var field = Find(schema, partitionField);
            if (field is null || field.Type is not (Type.Timestamp or Type.Date or Type.Datetime))
            {
                return $"The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: {(field is null ? "missing" : FakeTableJson.TypeName(field.Type))}.";
            }
        }

        if (clustering.Count > 4)
        {
            return "Too many clustering fields: " + clustering.Count + ", only 4 are allowed.";
        }

        return clustering.FirstOrDefault(name => Find(schema, name) is null) is { } unknown
            ? $"The field specified for clustering cannot be found in the schema. Invalid field: {unknown}."
            : null;
    }

    public static string? CheckChange(string tableName, TableSchema current, TableSchema proposed)
    {
        if (Duplicate(proposed) is { } duplicate)
        {
            return $"Field {duplicate} already exists in schema of table {tableName}.";
        }

        foreach (var field in current.Fields)
        {
            if (Find(proposed, field.Name) is not { } kept)
            {
                return $"Provided Schema does not match Table {tableName}. Field {field.Name} is missing in new schema";
            }

            if (kept.Type != field.Type)
            {
                return $"Provided Schema does not match Table {tableName}. Field {field.Name} has changed type from {FakeTableJson.TypeName(field.Type)} to {FakeTableJson.TypeName(kept.Type)}";
            }

            if (kept.Mode != field.Mode && !(field.Mode == Mode.Required && kept.Mode == Mode.Nullable))
            {
                return $"Provided Schema does not match Table {tableName}. Field {field.Name} has changed mode from {field.Mode.ToString().ToUpperInvariant()} to {kept.Mode.ToString().ToUpperInvariant()}";
            }
        }

        var required = proposed.Fields.FirstOrDefault(field => field.Mode != Mode.Nullable && Find(current, field.Name) is null);
        return required is null ? null : $"Provided Schema does not match Table {tableName}. Cannot add fields (field: {required.Name}) that are not NULLABLE";
    }

    /// <summary>True when <paramref name="proposed"/> is <paramref name="current"/> column for column (names, types and modes).</summary>
    public static bool SameColumns(TableSchema current, TableSchema proposed) =>
        current.Fields.Count == proposed.Fields.Count
        && current.Fields.All(field => Find(proposed, field.Name) is { } other && other.Type == field.Type && other.Mode == field.Mode);

    public static TableFieldSchema? Find(TableSchema schema, string name) =>
        schema.Fields.FirstOrDefault(field => string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase));

    private static string? Duplicate(TableSchema schema) =>
        schema.Fields.GroupBy(field => field.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(group => group.Count() > 1)?.Key;
}
