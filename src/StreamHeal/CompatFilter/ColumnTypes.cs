using System.Globalization;
using StreamHeal.Records;
using StreamHeal.Tables;

namespace StreamHeal.CompatFilter;

/// <summary>Which values a column type accepts, and which type a new column gets from its first value.</summary>
public static class ColumnTypes
{
    // Every integer of magnitude up to 2^53 converts to a double and back unchanged.
    private const long MaxExactDoubleInteger = 1L << 53;

    // BigQuery NUMERIC holds 29 digits before the decimal point.
    private const int NumericIntegerDigits = 29;

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
        FieldKind.Json => column == ColumnType.Json,
        FieldKind.BigInteger => column == ColumnType.BigNumeric || (column == ColumnType.Numeric && Digits(value.AsText!) <= NumericIntegerDigits),
        FieldKind.String => column switch
        {
            ColumnType.String => true,
            ColumnType.Timestamp => DateTimeOffset.TryParse(value.AsText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _),
            ColumnType.Date => DateOnly.TryParseExact(value.AsText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
            ColumnType.Bytes => IsBase64(value.AsText!),
            _ => false,
        },
        _ => false,
    };

    /// <summary>
    /// The type a new column gets from a non-null value: an override from <c>schema.fieldTypes</c> first, then the
    /// value's kind. Integers beyond int64 become NUMERIC (up to 29 digits) or BIGNUMERIC; strings stay STRING.
    /// </summary>
    public static ColumnType Infer(string name, in FieldValue value, CompatFilterOptions options)
    {
        if (options.FieldTypes.Count > 0 && options.FieldTypes.TryGetValue(name, out var overridden))
        {
            return overridden;
        }

        return value.Kind switch
        {
            FieldKind.Int64 when options.NumberInference == NumberInference.Float => ColumnType.Float64,
            FieldKind.BigInteger => Digits(value.AsText!) <= NumericIntegerDigits ? ColumnType.Numeric : ColumnType.BigNumeric,
            _ => Infer(value.Kind),
        };
    }

    /// <summary>The type a value of this kind would need; also the "actual type" in <c>_quarantine</c>.</summary>
    public static ColumnType Infer(FieldKind kind) => kind switch
    {
        FieldKind.Bool => ColumnType.Bool,
        FieldKind.Int64 => ColumnType.Int64,
        FieldKind.Float64 => ColumnType.Float64,
        FieldKind.BigInteger => ColumnType.BigNumeric,
        FieldKind.Json => ColumnType.Json,
        _ => ColumnType.String,
    };

    private static int Digits(string integer) => integer.StartsWith('-') ? integer.Length - 1 : integer.Length;

    private static bool IsBase64(string text)
    {
        Span<byte> scratch = stackalloc byte[256];
        return text.Length <= 340 ? Convert.TryFromBase64String(text, scratch, out _) : Convert.TryFromBase64String(text, new byte[text.Length], out _);
    }
}
