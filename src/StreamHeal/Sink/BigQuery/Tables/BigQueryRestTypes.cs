using StreamHeal.Tables;

namespace StreamHeal.Sink.BigQuery.Tables;

/// <summary>
/// Column types as the REST API spells them. tables.get answers with legacy names (INTEGER, FLOAT, BOOLEAN), while
/// standard SQL names (INT64, FLOAT64, BOOL) are accepted too, so both parse; new columns are sent with the legacy name
/// the API returns, so a read-back compares equal. Public because the development fake speaks the same names.
/// </summary>
public static class BigQueryRestTypes
{
    public const string Nullable = "NULLABLE";
    public const string Required = "REQUIRED";

    public static string Name(ColumnType type) => type switch
    {
        ColumnType.String => "STRING",
        ColumnType.Int64 => "INTEGER",
        ColumnType.Float64 => "FLOAT",
        ColumnType.Numeric => "NUMERIC",
        ColumnType.BigNumeric => "BIGNUMERIC",
        ColumnType.Bool => "BOOLEAN",
        ColumnType.Bytes => "BYTES",
        ColumnType.Date => "DATE",
        ColumnType.Timestamp => "TIMESTAMP",
        ColumnType.Json => "JSON",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No BigQuery REST type for this column type."),
    };

    /// <summary>
    /// The legacy name the API answers with for a REST type name in any case, standard SQL aliases included
    /// (INT64 → INTEGER, DECIMAL → NUMERIC, STRUCT → RECORD…); any other name upper-cased.
    /// </summary>
    public static string? Canonical(string? name) => name?.ToUpperInvariant() switch
    {
        "INT64" => "INTEGER",
        "FLOAT64" => "FLOAT",
        "BOOL" => "BOOLEAN",
        "DECIMAL" => "NUMERIC",
        "BIGDECIMAL" => "BIGNUMERIC",
        "STRUCT" => "RECORD",
        var upper => upper,
    };

    /// <summary>The column type of a REST type name, or null for one StreamHeal does not write (GEOGRAPHY, RECORD, TIME, DATETIME…).</summary>
    public static ColumnType? Parse(string? name) => Canonical(name) switch
    {
        "STRING" => ColumnType.String,
        "INTEGER" => ColumnType.Int64,
        "FLOAT" => ColumnType.Float64,
        "NUMERIC" => ColumnType.Numeric,
        "BIGNUMERIC" => ColumnType.BigNumeric,
        "BOOLEAN" => ColumnType.Bool,
        "BYTES" => ColumnType.Bytes,
        "DATE" => ColumnType.Date,
        "TIMESTAMP" => ColumnType.Timestamp,
        "JSON" => ColumnType.Json,
        _ => null,
    };
}
