using System.Data.Common;
using DuckDB.NET.Data;

namespace StreamHeal.Sink.DuckDb;

/// <summary>Identifier quoting and the few command shapes the sink and the reader share.</summary>
internal static class DuckDbSql
{
    public const string OffsetsTable = "_streamheal_offsets";
    public const string ColumnsTable = "_streamheal_columns";

    /// <summary>Quotes an identifier; user column names may hold any character, so never splice them unquoted.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static DuckDBConnection Open(string path)
    {
        var builder = new DuckDBConnectionStringBuilder { DataSource = path };
        var connection = new DuckDBConnection(builder.ConnectionString);
        connection.Open();
        return connection;
    }

    public static int Execute(DuckDBConnection connection, string sql, params object[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(DuckDBConnection connection, string sql, params object[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    /// <summary>Runs a query and maps every row; the result sets here are small (metadata, offsets, verification).</summary>
    public static List<T> Read<T>(DuckDBConnection connection, string sql, Func<DbDataReader, T> map, params object[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static DuckDBCommand Command(DuckDBConnection connection, string sql, object[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(parameter));
        }

        return command;
    }
}
