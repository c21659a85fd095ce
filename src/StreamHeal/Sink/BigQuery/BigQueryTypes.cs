using Google.Protobuf.Reflection;
using StreamHeal.Sink.BigQuery.Protos;
using StreamHeal.Tables;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// How each column type travels in a proto2 row and which BigQuery type it lands in. NUMERIC and BIGNUMERIC go as
/// their exact decimal text (BigQuery parses it, so no digit is lost to a double), DATE as int32 days since 1970-01-01,
/// TIMESTAMP as int64 microseconds since the Unix epoch, JSON as text.
/// </summary>
internal static class BigQueryTypes
{
    public static FieldDescriptorProto.Types.Type ProtoType(ColumnType type) => type switch
    {
        ColumnType.String or ColumnType.Numeric or ColumnType.BigNumeric or ColumnType.Json => FieldDescriptorProto.Types.Type.String,
        ColumnType.Int64 or ColumnType.Timestamp => FieldDescriptorProto.Types.Type.Int64,
        ColumnType.Float64 => FieldDescriptorProto.Types.Type.Double,
        ColumnType.Bool => FieldDescriptorProto.Types.Type.Bool,
        ColumnType.Bytes => FieldDescriptorProto.Types.Type.Bytes,
        ColumnType.Date => FieldDescriptorProto.Types.Type.Int32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No BigQuery mapping for this column type."),
    };

    public static TableFieldSchema.Types.Type TableType(ColumnType type) => type switch
    {
        ColumnType.String => TableFieldSchema.Types.Type.String,
        ColumnType.Int64 => TableFieldSchema.Types.Type.Int64,
        ColumnType.Float64 => TableFieldSchema.Types.Type.Double,
        ColumnType.Numeric => TableFieldSchema.Types.Type.Numeric,
        ColumnType.BigNumeric => TableFieldSchema.Types.Type.Bignumeric,
        ColumnType.Bool => TableFieldSchema.Types.Type.Bool,
        ColumnType.Bytes => TableFieldSchema.Types.Type.Bytes,
        ColumnType.Date => TableFieldSchema.Types.Type.Date,
        ColumnType.Timestamp => TableFieldSchema.Types.Type.Timestamp,
        ColumnType.Json => TableFieldSchema.Types.Type.Json,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No BigQuery mapping for this column type."),
    };

    /// <summary>The microseconds since the Unix epoch BigQuery stores for a TIMESTAMP.</summary>
    public static long ToMicros(DateTimeOffset value) => (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>The days since 1970-01-01 BigQuery stores for a DATE.</summary>
    public static int ToEpochDays(DateOnly value) => value.DayNumber - EpochDayNumber;

    private static readonly int EpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;
}
