using StreamHeal.Tables;

namespace StreamHeal.Sink.DuckDb;

/// <summary>
/// How logical column types land in DuckDB. Several logical types share VARCHAR, which is why the logical type
/// is also kept in <c>_streamheal_columns</c>:
/// <code>
/// logical      DuckDB           holds
/// String       VARCHAR          the text
/// Int64        BIGINT
/// Float64      DOUBLE           (an Int64 value is widened)
/// Numeric      DECIMAL(38,9)    rounded to 9 fraction digits
/// BigNumeric   VARCHAR          the exact decimal text (DuckDB has no 76-digit decimal)
/// Bool         BOOLEAN
/// Bytes        BLOB             decoded from base64 text
/// Date         DATE             from yyyy-MM-dd text
/// Timestamp    TIMESTAMPTZ      from ISO-8601 text; no offset means UTC
/// Json         VARCHAR          compact JSON text (no dependency on the json extension)
/// </code>
/// </summary>
internal static class DuckDbTypes
{
    // DuckDB reports TIMESTAMPTZ under its long name in duckdb_columns(); compare against that.
    private const string TimestampTz = "TIMESTAMP WITH TIME ZONE";
    private const string Decimal38 = "DECIMAL(38,9)";

    /// <summary>The type to declare in DDL and the name duckdb_columns() reports for it.</summary>
    public static string Physical(ColumnType type) => type switch
    {
        ColumnType.String or ColumnType.BigNumeric or ColumnType.Json => "VARCHAR",
        ColumnType.Int64 => "BIGINT",
        ColumnType.Float64 => "DOUBLE",
        ColumnType.Numeric => Decimal38,
        ColumnType.Bool => "BOOLEAN",
        ColumnType.Bytes => "BLOB",
        ColumnType.Date => "DATE",
        ColumnType.Timestamp => TimestampTz,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No DuckDB type for this column type."),
    };

    /// <summary>The logical type of a column StreamHeal has no metadata for (a table created outside StreamHeal).</summary>
    public static ColumnType? FromPhysical(string physical) => physical switch
    {
        "VARCHAR" => ColumnType.String,
        "BIGINT" => ColumnType.Int64,
        "DOUBLE" => ColumnType.Float64,
        Decimal38 => ColumnType.Numeric,
        "BOOLEAN" => ColumnType.Bool,
        "BLOB" => ColumnType.Bytes,
        "DATE" => ColumnType.Date,
        TimestampTz => ColumnType.Timestamp,
        _ => null,
    };

    public static bool TryParseLogical(string? text, out ColumnType type) => Enum.TryParse(text, ignoreCase: false, out type);
}
