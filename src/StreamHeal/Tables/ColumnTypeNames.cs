namespace StreamHeal.Tables;

/// <summary>Column type names as configuration and SQL spell them.</summary>
public static class ColumnTypeNames
{
    /// <summary>Parses a <see cref="ColumnType"/> name in any case (<c>Int64</c>, <c>INT64</c>); numbers and lists are refused.</summary>
    public static bool TryParse(string? text, out ColumnType type)
    {
        type = default;
        return text is [var first, ..] && char.IsAsciiLetter(first) && !text.Contains(',', StringComparison.Ordinal)
            && Enum.TryParse(text, ignoreCase: true, out type) && Enum.IsDefined(type);
    }

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
