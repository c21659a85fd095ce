using StreamHeal.Records;

namespace StreamHeal.CompatFilter;

/// <summary>Which values a column type accepts, and which type a new column gets from its first value.</summary>
public static class ColumnTypes
{
    // Every integer of magnitude up to 2^53 converts to a double and back unchanged.
    private const long MaxExactDoubleInteger = 1L << 53;

    public static bool Accepts(ColumnType column, in FieldValue value) => value.Kind switch
    {
        FieldKind.Null => true,
        FieldKind.Bool => column == ColumnType.Bool,
        FieldKind.Int64 => column switch
        {
            ColumnType.Int64 or ColumnType.Numeric or ColumnType.BigNumeric => true,
            ColumnType.Float64 => value.AsInt64 is >= -MaxExactDoubleInteger and <= MaxExactDoubleInteger,
            _ => false,
        },
        FieldKind.Float64 => column == ColumnType.Float64,
        FieldKind.BigInteger => column == ColumnType.BigNumeric,
        FieldKind.String => column == ColumnType.String,
        FieldKind.Json => column == ColumnType.Json,
        _ => false,
    };

    /// <summary>The type a new column gets from a non-null value. Integers beyond int64 become BIGNUMERIC (exact).</summary>
    public static ColumnType Infer(FieldKind kind) => kind switch
    {
        FieldKind.Bool => ColumnType.Bool,
        FieldKind.Int64 => ColumnType.Int64,
        FieldKind.Float64 => ColumnType.Float64,
        FieldKind.BigInteger => ColumnType.BigNumeric,
        FieldKind.Json => ColumnType.Json,
        _ => ColumnType.String,
    };

    public static string SqlName(ColumnType type) => type switch
    {
        ColumnType.String => "STRING",
        ColumnType.Int64 => "INT64",
        ColumnType.Float64 => "FLOAT64",
        ColumnType.Numeric => "NUMERIC",
        ColumnType.BigNumeric => "BIGNUMERIC",
        ColumnType.Bool => "BOOL",
        ColumnType.Bytes => "BYTES",
        ColumnType.Date => "DATE",
        ColumnType.Timestamp => "TIMESTAMP",
        ColumnType.Json => "JSON",
        _ => type.ToString(),
    };
}
