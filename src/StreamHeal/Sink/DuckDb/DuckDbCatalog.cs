using DuckDB.NET.Data;
using StreamHeal.Tables;

namespace StreamHeal.Sink.DuckDb;

/// <summary>Catalog queries: DuckDB's own column list and StreamHeal's <c>_streamheal_columns</c> metadata.</summary>
internal static class DuckDbCatalog
{
    public static void CreateMetadataTables(DuckDBConnection connection) => DuckDbSql.Execute(connection, $"""
        CREATE TABLE IF NOT EXISTS {DuckDbSql.ColumnsTable} (
            table_name VARCHAR NOT NULL, column_name VARCHAR NOT NULL, logical_type VARCHAR NOT NULL,
            PRIMARY KEY (table_name, column_name));
        CREATE TABLE IF NOT EXISTS {DuckDbSql.OffsetsTable} (
            table_name VARCHAR NOT NULL, topic VARCHAR NOT NULL, "partition" INTEGER NOT NULL, next_offset BIGINT NOT NULL,
            PRIMARY KEY (table_name, topic, "partition"));
        """);

    /// <summary>The table's name as created (DuckDB matches names case-insensitively), or null when there is no such table.</summary>
    public static string? ResolveName(DuckDBConnection connection, string table) => (string?)DuckDbSql.Scalar(
        connection,
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND lower(table_name) = lower(?)",
        table);

    /// <summary>Column names and DuckDB types in physical order; empty when the table does not exist.</summary>
    public static List<(string Name, string Type)> ReadColumns(DuckDBConnection connection, string table) => DuckDbSql.Read(
        connection,
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND lower(table_name) = lower(?) ORDER BY column_index",
        static reader => (reader.GetString(0), reader.GetString(1)),
        table);

    public static Dictionary<string, ColumnType> ReadLogical(DuckDBConnection connection, string table)
    {
        var rows = DuckDbSql.Read(
            connection,
            $"SELECT column_name, logical_type FROM {DuckDbSql.ColumnsTable} WHERE table_name = ?",
            static reader => (Name: reader.GetString(0), Type: reader.GetString(1)),
            table);
        var byName = new Dictionary<string, ColumnType>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, text) in rows)
        {
            if (!DuckDbTypes.TryParseLogical(text, out var type))
            {
                throw new InvalidOperationException($"{DuckDbSql.ColumnsTable} holds an unknown logical type '{text}' for '{table}'.'{name}'.");
            }

            byName[name] = type;
        }

        return byName;
    }

    public static void RecordLogical(DuckDBConnection connection, string table, string column, ColumnType type) => DuckDbSql.Execute(
        connection,
        $"INSERT INTO {DuckDbSql.ColumnsTable} VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET logical_type = excluded.logical_type",
        table,
        column,
        type.ToString());

    /// <summary>Drops metadata left behind by a table removed outside StreamHeal, so it cannot describe a new table of that name.</summary>
    public static void ForgetTable(DuckDBConnection connection, string table) =>
        DuckDbSql.Execute(connection, $"DELETE FROM {DuckDbSql.ColumnsTable} WHERE table_name = ?", table);
}
