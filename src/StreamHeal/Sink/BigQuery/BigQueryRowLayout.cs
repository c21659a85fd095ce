using System.Buffers;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using StreamHeal.Sink.BigQuery.Protos;
using StreamHeal.Tables;

namespace StreamHeal.Sink.BigQuery;

/// <summary>One field of the row message. <see cref="Number"/> is its protobuf field number.</summary>
internal readonly record struct BigQueryField(string Name, ColumnType Type, int Number, ColumnSlot Slot);

/// <summary>
/// A table's row message: StreamHeal's six columns take field numbers 1–6 and user columns follow in column order,
/// so a column keeps its number when later columns are added and an old writer schema stays a prefix of the new one.
/// </summary>
internal sealed class BigQueryRowLayout
{
    /// <summary>The row message's name inside the writer's DescriptorProto.</summary>
    public const string MessageName = "StreamHealRow";

    private static readonly BigQueryField[] Reserved =
    [
        new(ReservedColumns.KafkaTopic, ColumnType.String, 1, ColumnSlot.Topic),
        new(ReservedColumns.KafkaPartition, ColumnType.Int64, 2, ColumnSlot.Partition),
        new(ReservedColumns.KafkaOffset, ColumnType.Int64, 3, ColumnSlot.Offset),
        new(ReservedColumns.KafkaTimestamp, ColumnType.Timestamp, 4, ColumnSlot.KafkaTimestamp),
        new(ReservedColumns.IngestedAt, ColumnType.Timestamp, 5, ColumnSlot.IngestedAt),
        new(ReservedColumns.Quarantine, ColumnType.Json, 6, ColumnSlot.Quarantine),
    ];

    /// <summary>How many of StreamHeal's own columns precede the user columns.</summary>
    public static int ReservedCount => Reserved.Length;

    private static readonly SearchValues<char> NameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    // BigQuery column names are case-insensitive, and the flatten stage never lets two differ only by case.
    private readonly Dictionary<string, int> _userFields;

    public BigQueryRowLayout(IReadOnlyList<TableColumn> userColumns)
    {
        var fields = new BigQueryField[Reserved.Length + userColumns.Count];
        Reserved.CopyTo(fields, 0);
        _userFields = new Dictionary<string, int>(userColumns.Count, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < userColumns.Count; i++)
        {
            var column = userColumns[i];
            if (column.Name.Length == 0 || char.IsAsciiDigit(column.Name[0]) || column.Name.AsSpan().ContainsAnyExcept(NameChars))
            {
                throw new ArgumentException($"Column '{column.Name}' is not a valid protobuf field name ([A-Za-z_][A-Za-z0-9_]*); the flatten stage should have sanitised it.", nameof(userColumns));
            }

            if (IsReserved(column.Name) || !_userFields.TryAdd(column.Name, Reserved.Length + i))
            {
                throw new ArgumentException($"Column '{column.Name}' appears twice (or takes a reserved name) in the table's columns.", nameof(userColumns));
            }

            fields[Reserved.Length + i] = new BigQueryField(column.Name, column.Type, Reserved.Length + i + 1, ColumnSlot.User);
        }

        Fields = fields;
        Descriptor = BuildDescriptor(fields);
        DescriptorBytes = Descriptor.ToByteArray();
    }

    /// <summary>StreamHeal's columns first, then the user columns in order.</summary>
    public IReadOnlyList<BigQueryField> Fields { get; }

    /// <summary>The proto2 row message, as sent in <c>ProtoSchema.proto_descriptor</c>.</summary>
    public DescriptorProto Descriptor { get; }

    /// <summary><see cref="Descriptor"/> serialized once, so each connection's first request copies bytes instead of re-encoding.</summary>
    public ReadOnlyMemory<byte> DescriptorBytes { get; }

    /// <summary>The index into <see cref="Fields"/> of a user column.</summary>
    public bool TryGetUserField(string name, out int index) => _userFields.TryGetValue(name, out index);

    /// <summary>The BigQuery table schema these columns describe (StreamHeal's own columns required where always set).</summary>
    public Protos.TableSchema ToTableSchema()
    {
        var schema = new Protos.TableSchema();
        foreach (var field in Fields)
        {
            var required = field.Slot is ColumnSlot.Topic or ColumnSlot.Partition or ColumnSlot.Offset or ColumnSlot.IngestedAt;
            schema.Fields.Add(new TableFieldSchema
            {
                Name = field.Name,
                Type = BigQueryTypes.TableType(field.Type),
                Mode = required ? TableFieldSchema.Types.Mode.Required : TableFieldSchema.Types.Mode.Nullable,
            });
        }

        return schema;
    }

    private static bool IsReserved(string name) =>
        Array.Exists(Reserved, field => string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase));

    private static DescriptorProto BuildDescriptor(BigQueryField[] fields)
    {
        var descriptor = new DescriptorProto { Name = MessageName };
        foreach (var field in fields)
        {
            // proto2 optional: an absent field is NULL in BigQuery, a present default value is not.
            descriptor.Field.Add(new FieldDescriptorProto
            {
                Name = field.Name,
                Number = field.Number,
                Label = FieldDescriptorProto.Types.Label.Optional,
                Type = BigQueryTypes.ProtoType(field.Type),
            });
        }

        return descriptor;
    }
}
