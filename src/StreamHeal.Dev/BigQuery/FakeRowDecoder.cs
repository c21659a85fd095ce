using Google.Protobuf;
using Google.Protobuf.Reflection;
using StreamHeal.Dev.BigQuery.Protos;

namespace StreamHeal.Dev.BigQuery;

/// <summary>
/// Decodes a serialized row with the writer's DescriptorProto, field by field, and checks it against the table schema
/// the way BigQuery does: every writer field must be a table column of a compatible type, REQUIRED columns must be set,
/// and a STRING or BYTES value may not exceed its column's maxLength.
/// Values come back as .NET values (string, long, int, double, bool, byte[]) keyed by column name.
/// </summary>
/// <remarks>
/// What depends only on the writer schema and the table (which columns exist, their types, the required and length
/// limited ones) is worked out once per request (<see cref="Plan"/>), not per row: the fake shares the cores of the
/// process it serves in the throughput harness, and per row it cost more CPU than the pipeline feeding it.
/// </remarks>
internal static class FakeRowDecoder
{
    /// <summary>One writer schema checked against one table schema, ready to decode that request's rows.</summary>
    public sealed class Plan
    {
        private readonly Dictionary<int, FieldDescriptorProto> _byNumber;
        private readonly TableFieldSchema[] _required;
        private readonly TableFieldSchema[] _limited;
        private readonly string? _schemaError;

        private Plan(DescriptorProto descriptor, TableSchema table)
        {
            _byNumber = descriptor.Field.ToDictionary(field => field.Number);
            _required = [.. table.Fields.Where(static c => c.Mode == TableFieldSchema.Types.Mode.Required)];
            _limited = [.. table.Fields.Where(static c => c.MaxLength > 0)];
            var columns = table.Fields.ToDictionary(field => field.Name, StringComparer.OrdinalIgnoreCase);
            foreach (var field in descriptor.Field)
            {
                if (!columns.TryGetValue(field.Name, out var column))
                {
                    _schemaError = $"Field '{field.Name}' of the writer schema is an unknown field: not a column of the table's schema.";
                    break;
                }

                if (!Compatible(field.Type, column.Type))
                {
                    _schemaError = $"Field '{field.Name}' is proto {field.Type} but the column is {column.Type}.";
                    break;
                }
            }
        }

        public static Plan For(DescriptorProto descriptor, TableSchema table) => new(descriptor, table);

        /// <summary>Every row of the request gets the writer schema's error, as BigQuery reports it per row.</summary>
        public (Dictionary<string, object?> Row, string? Error) Decode(ByteString bytes)
        {
            var row = new Dictionary<string, object?>(_byNumber.Count, StringComparer.OrdinalIgnoreCase);
            if (_schemaError is not null)
            {
                return (row, _schemaError);
            }

            if (ReadFields(_byNumber, bytes.ToByteArray(), row) is { } unknown)
            {
                return (row, unknown);
            }

            foreach (var column in _required)
            {
                if (!row.ContainsKey(column.Name))
                {
                    return (row, $"Required column '{column.Name}' has no value.");
                }
            }

            foreach (var column in _limited)
            {
                if (TooLong(column, row.GetValueOrDefault(column.Name)) is { } length)
                {
                    return (row, $"Field {column.Name}: {FakeTableJson.TypeName(column.Type)}({column.MaxLength}) has maximum length {column.MaxLength} but got a value with length {length}.");
                }
            }

            return (row, null);
        }
    }

    /// <summary>
    /// Reads a row message field by field into <paramref name="row"/>, as any protobuf reader would (the tests read the
    /// library's encoded rows back with it too); returns an error when a field number is not in the descriptor.
    /// </summary>
    public static string? ReadFields(DescriptorProto descriptor, byte[] bytes, Dictionary<string, object?> row) =>
        ReadFields(descriptor.Field.ToDictionary(field => field.Number), bytes, row);

    private static string? ReadFields(Dictionary<int, FieldDescriptorProto> byNumber, byte[] bytes, Dictionary<string, object?> row)
    {
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (!byNumber.TryGetValue(WireFormat.GetTagFieldNumber(tag), out var field))
            {
                return $"Field number {WireFormat.GetTagFieldNumber(tag)} is not in the writer schema.";
            }

            row[field.Name] = field.Type switch
            {
                FieldDescriptorProto.Types.Type.String => input.ReadString(),
                FieldDescriptorProto.Types.Type.Int64 => input.ReadInt64(),
                FieldDescriptorProto.Types.Type.Int32 => input.ReadInt32(),
                FieldDescriptorProto.Types.Type.Double => input.ReadDouble(),
                FieldDescriptorProto.Types.Type.Bool => input.ReadBool(),
                FieldDescriptorProto.Types.Type.Bytes => input.ReadBytes().ToByteArray(),
                _ => throw new InvalidDataException($"The fake does not decode proto type {field.Type}."),
            };
        }

        return null;
    }

    /// <summary>The value's length when it exceeds the column's maxLength: characters (code points) for STRING, bytes for BYTES.</summary>
    private static long? TooLong(TableFieldSchema column, object? value)
    {
        long length = value switch
        {
            string text when column.Type == TableFieldSchema.Types.Type.String => text.EnumerateRunes().Count(),
            byte[] bytes when column.Type == TableFieldSchema.Types.Type.Bytes => bytes.Length,
            _ => 0,
        };
        return length > column.MaxLength ? length : null;
    }

    private static bool Compatible(FieldDescriptorProto.Types.Type proto, TableFieldSchema.Types.Type column) => (proto, column) switch
    {
        (FieldDescriptorProto.Types.Type.String, TableFieldSchema.Types.Type.String or TableFieldSchema.Types.Type.Numeric
            or TableFieldSchema.Types.Type.Bignumeric or TableFieldSchema.Types.Type.Json) => true,
        (FieldDescriptorProto.Types.Type.Int64, TableFieldSchema.Types.Type.Int64 or TableFieldSchema.Types.Type.Timestamp) => true,
        (FieldDescriptorProto.Types.Type.Int32, TableFieldSchema.Types.Type.Date or TableFieldSchema.Types.Type.Int64) => true,
        (FieldDescriptorProto.Types.Type.Double, TableFieldSchema.Types.Type.Double) => true,
        (FieldDescriptorProto.Types.Type.Bool, TableFieldSchema.Types.Type.Bool) => true,
        (FieldDescriptorProto.Types.Type.Bytes, TableFieldSchema.Types.Type.Bytes) => true,
        _ => false,
    };
}
