using DuckDB.NET.Data;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Sink.DuckDb;

/// <summary>A DuckDB file in its own temporary directory, deleted with the test.</summary>
internal sealed class DuckDbTestFile : IDisposable
{
    public const string Topic = "events";

    private readonly string _directory = Directory.CreateTempSubdirectory("streamheal-duckdb-").FullName;

    public string Path => System.IO.Path.Combine(_directory, "sink.duckdb");

    public DuckDbSink OpenSink() => new(new DuckDbSinkOptions { Path = Path }, TimeProvider.System);

    public DuckDbTableReader OpenReader() => new(Path);

    /// <summary>Runs SQL on the file directly, the way something outside StreamHeal would.</summary>
    public void Execute(string sql)
    {
        using var connection = new DuckDBConnection($"Data Source={Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static SinkRow Row(int partition, long offset, params (string Name, FieldValue Value)[] fields)
    {
        var row = new FlatRow(fields.Length);
        foreach (var (name, value) in fields)
        {
            row.Add(name, value);
        }

        return new SinkRow(partition, offset, DateTimeOffset.UnixEpoch.AddSeconds(offset), row);
    }

    /// <summary>Rows with one <c>id</c> column for offsets [from, to) of one partition.</summary>
    public static SinkRow[] Rows(int partition, long from, long to)
    {
        var rows = new SinkRow[to - from];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = Row(partition, from + i, ("id", FieldValue.FromInt64(from + i)));
        }

        return rows;
    }

    public static SinkBatch MakeBatch(string table, IReadOnlyList<SinkRow> rows, params TableColumn[] columns) =>
        new(table, Topic, columns.Length == 0 ? [new TableColumn("id", ColumnType.Int64)] : columns, rows);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a failed test must not hide that test's own failure.
        }
    }
}
