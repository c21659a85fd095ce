using System.Buffers;
using System.Text;
using System.Text.Json;
using StreamHeal.Tables;

namespace StreamHeal.SchemaState;

/// <summary>
/// A table's schema state as an Avro record schema, the form it takes in the Schema Registry. Every field is
/// <c>["null", T]</c> with default null, so each new version is BACKWARD compatible; the exact column type rides in a
/// <c>streamheal.type</c> field attribute because several column types share an Avro type (STRING and JSON).
/// </summary>
public static class StateSchemaAvro
{
    private const string TypeAttribute = "streamheal.type";

    public static string ToAvro(string table, IReadOnlyList<TableColumn> columns)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + columns.Count * 96);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "record");
            w.WriteString("name", "t_" + table);
            w.WriteString("namespace", "streamheal");
            w.WriteStartArray("fields");
            foreach (var column in columns)
            {
                w.WriteStartObject();
                w.WriteString("name", column.Name);
                w.WritePropertyName("type");
                w.WriteStartArray();
                w.WriteStringValue("null");
                WriteAvroType(w, column.Type);
                w.WriteEndArray();
                w.WriteNull("default");
                w.WriteString(TypeAttribute, ColumnTypeNames.SqlName(column.Type));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads the columns back; a field without the attribute (written by someone else) maps from its Avro type.</summary>
    public static List<TableColumn> FromAvro(string schema)
    {
        using var document = JsonDocument.Parse(schema);
        var columns = new List<TableColumn>();
        if (!document.RootElement.TryGetProperty("fields", out var fields))
        {
            return columns;
        }

        foreach (var field in fields.EnumerateArray())
        {
            var name = field.GetProperty("name").GetString()!;
            var type = field.TryGetProperty(TypeAttribute, out var attribute) && TryParseSqlName(attribute.GetString(), out var declared)
                ? declared
                : FromAvroType(field.GetProperty("type"));
            columns.Add(new TableColumn(name, type));
        }

        return columns;
    }

    private static void WriteAvroType(Utf8JsonWriter w, ColumnType type)
    {
        switch (type)
        {
            case ColumnType.Int64: w.WriteStringValue("long"); break;
            case ColumnType.Float64: w.WriteStringValue("double"); break;
            case ColumnType.Bool: w.WriteStringValue("boolean"); break;
            case ColumnType.Bytes: w.WriteStringValue("bytes"); break;
            case ColumnType.Date: Logical(w, "int", "date"); break;
            case ColumnType.Timestamp: Logical(w, "long", "timestamp-micros"); break;
            case ColumnType.Numeric: Decimal(w, 38, 9); break;
            case ColumnType.BigNumeric: Decimal(w, 76, 38); break;
            default: w.WriteStringValue("string"); break;
        }
    }

    private static void Logical(Utf8JsonWriter w, string type, string logical)
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteString("logicalType", logical);
        w.WriteEndObject();
    }

    private static void Decimal(Utf8JsonWriter w, int precision, int scale)
    {
        w.WriteStartObject();
        w.WriteString("type", "bytes");
        w.WriteString("logicalType", "decimal");
        w.WriteNumber("precision", precision);
        w.WriteNumber("scale", scale);
        w.WriteEndObject();
    }

    private static ColumnType FromAvroType(JsonElement type)
    {
        if (type.ValueKind == JsonValueKind.Array)
        {
            foreach (var branch in type.EnumerateArray())
            {
                if (!(branch.ValueKind == JsonValueKind.String && branch.GetString() == "null"))
                {
                    return FromAvroType(branch);
                }
            }

            return ColumnType.String;
        }

        if (type.ValueKind == JsonValueKind.Object)
        {
            var logical = type.TryGetProperty("logicalType", out var l) ? l.GetString() : null;
            return logical switch
            {
                "date" => ColumnType.Date,
                "timestamp-millis" or "timestamp-micros" => ColumnType.Timestamp,
                "decimal" => ColumnType.BigNumeric,
                _ => type.TryGetProperty("type", out var inner) ? FromAvroType(inner) : ColumnType.String,
            };
        }

        return type.GetString() switch
        {
            "int" or "long" => ColumnType.Int64,
            "float" or "double" => ColumnType.Float64,
            "boolean" => ColumnType.Bool,
            "bytes" => ColumnType.Bytes,
            _ => ColumnType.String,
        };
    }

    private static bool TryParseSqlName(string? name, out ColumnType type)
    {
        foreach (var candidate in Enum.GetValues<ColumnType>())
        {
            if (ColumnTypeNames.SqlName(candidate) == name)
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }
}
