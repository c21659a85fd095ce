namespace StreamHeal.Tables;

/// <summary>Destination column types; the names follow BigQuery's standard SQL types.</summary>
public enum ColumnType : byte
{
    String,
    Int64,
    Float64,
    Numeric,
    BigNumeric,
    Bool,
    Bytes,
    Date,
    Timestamp,
    Json,
}
