using StreamHeal.Dev.BigQuery.Protos;
using Mode = StreamHeal.Dev.BigQuery.Protos.TableFieldSchema.Types.Mode;
using Type = StreamHeal.Dev.BigQuery.Protos.TableFieldSchema.Types.Type;

namespace StreamHeal.Dev.BigQuery;

/// <summary>
/// BigQuery's rules for a new table's schema and for changing one, with messages shaped like the real ones: a
/// change may only add NULLABLE or REPEATED columns and nested fields (or relax REQUIRED to NULLABLE); removing a
/// column or nested field, or changing its type or mode, is refused.
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

    public static string? CheckChange(string tableName, TableSchema current, TableSchema proposed) =>
        CheckFields(tableName, current.Fields, proposed.Fields, parent: null);

    /// <summary>The rules at one level of nesting: a RECORD's nested fields follow the same ones as the table's columns.</summary>
    private static string? CheckFields(string tableName, IList<TableFieldSchema> current, IList<TableFieldSchema> proposed, string? parent)
    {
        if (Duplicate(proposed) is { } duplicate)
        {
            return $"Field {Path(parent, duplicate)} already exists in schema of table {tableName}.";
        }

        var mismatch = $"Provided Schema does not match Table {tableName}.";
        foreach (var field in current)
        {
            var path = Path(parent, field.Name);
            if (Find(proposed, field.Name) is not { } kept)
            {
                return $"{mismatch} Field {path} is missing in new schema";
            }

            if (kept.Type != field.Type)
            {
                return $"{mismatch} Field {path} has changed type from {FakeTableJson.TypeName(field.Type)} to {FakeTableJson.TypeName(kept.Type)}";
            }

            if (ModeOf(kept) != ModeOf(field) && !(ModeOf(field) == Mode.Required && ModeOf(kept) == Mode.Nullable))
            {
                return $"{mismatch} Field {path} has changed mode from {ModeOf(field).ToString().ToUpperInvariant()} to {ModeOf(kept).ToString().ToUpperInvariant()}";
            }

            if (field.Type == Type.Struct && CheckFields(tableName, field.Fields, kept.Fields, path) is { } nested)
            {
                return nested;
            }
        }

        // New columns and new nested fields may be NULLABLE or REPEATED; a new RECORD's own fields may be anything.
        var required = proposed.FirstOrDefault(field => ModeOf(field) == Mode.Required && Find(current, field.Name) is null);
        return required is null ? null : $"{mismatch} Cannot add fields (field: {Path(parent, required.Name)}) that are REQUIRED";
    }

    public static TableFieldSchema? Find(TableSchema schema, string name) => Find(schema.Fields, name);

    private static TableFieldSchema? Find(IEnumerable<TableFieldSchema> fields, string name) =>
        fields.FirstOrDefault(field => string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase));

    private static string? Duplicate(TableSchema schema) => Duplicate(schema.Fields);

    private static string? Duplicate(IEnumerable<TableFieldSchema> fields) =>
        fields.GroupBy(field => field.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(group => group.Count() > 1)?.Key;

    private static Mode ModeOf(TableFieldSchema field) => field.Mode == Mode.Unspecified ? Mode.Nullable : field.Mode;

    private static string Path(string? parent, string name) => parent is null ? name : $"{parent}.{name}";
}
