using DuckDB.NET.Data;
using StreamHeal.Tables;

namespace StreamHeal.Sink.DuckDb;

/// <summary>The offsets a table holds for one partition; <see cref="Gaps"/> counts offsets missing between min and max.</summary>
public readonly record struct PartitionSpan(long Count, long MinOffset, long MaxOffset)
{
    public long Gaps => MaxOffset - MinOffset + 1 - Count;
}

/// <summary>
/// Read-only verification queries over a sink's DuckDB file, for the demo and tests. It opens its own connection:
/// DuckDB.NET shares one database instance per file inside a process, so this works both while a <see cref="DuckDbSink"/>
/// in the same process has the file open (it sees committed batches) and on a file nobody has open.
/// Not thread-safe; DuckDB calls are synchronous.
/// </summary>
public sealed class DuckDbTableReader : IDisposable
{
    private static readonly string s_partition = DuckDbSql.Quote(ReservedColumns.KafkaPartition);
    private static readonly string s_offset = DuckDbSql.Quote(ReservedColumns.KafkaOffset);

    private readonly DuckDBConnection _connection;

    /// <exception cref="FileNotFoundException">The file does not exist (the reader never creates one).</exception>
    public DuckDbTableReader(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No DuckDB file at '{path}'.", path);
        }

        _connection = DuckDbSql.Open(path);
    }

    public long CountRows(string table) => (long)DuckDbSql.Scalar(_connection, $"SELECT count(*) FROM {DuckDbSql.Quote(table)}")!;

    /// <summary>Rows beyond the first for each (partition, offset); 0 when the primary key held.</summary>
    public long CountDuplicates(string table) => (long)DuckDbSql.Scalar(
        _connection,
        $"SELECT CAST(coalesce(sum(n - 1), 0) AS BIGINT) FROM (SELECT count(*) AS n FROM {DuckDbSql.Quote(table)} GROUP BY {s_partition}, {s_offset} HAVING count(*) > 1)")!;

    /// <summary>Every (partition, offset) in the table, ordered.</summary>
    public IReadOnlyList<(int Partition, long Offset)> ReadPositions(string table) => DuckDbSql.Read(
        _connection,
        $"SELECT {s_partition}, {s_offset} FROM {DuckDbSql.Quote(table)} ORDER BY 1, 2",
        static reader => (reader.GetInt32(0), reader.GetInt64(1)));

    public IReadOnlyDictionary<int, PartitionSpan> SummarizePartitions(string table) => DuckDbSql.Read(
        _connection,
        $"SELECT {s_partition}, count(*), min({s_offset}), max({s_offset}) FROM {DuckDbSql.Quote(table)} GROUP BY 1",
        static reader => (Partition: reader.GetInt32(0), Span: new PartitionSpan(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3))))
        .ToDictionary(static p => p.Partition, static p => p.Span);

    /// <summary>Up to <paramref name="limit"/> non-null <c>_quarantine</c> values (JSON arrays), ordered by (partition, offset).</summary>
    public IReadOnlyList<string> ReadQuarantine(string table, int limit) => DuckDbSql.Read(
        _connection,
        $"SELECT CAST({DuckDbSql.Quote(ReservedColumns.Quarantine)} AS VARCHAR) FROM {DuckDbSql.Quote(table)} WHERE {DuckDbSql.Quote(ReservedColumns.Quarantine)} IS NOT NULL ORDER BY {s_partition}, {s_offset} LIMIT {limit.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        static reader => reader.GetString(0));

    /// <summary>Column names and DuckDB types in physical order (sink columns included).</summary>
    public IReadOnlyList<(string Name, string Type)> ReadColumns(string table) => DuckDbCatalog.ReadColumns(_connection, table);

    /// <summary>The stored next offset per partition, as <see cref="DuckDbSink.GetResumeOffsetsAsync"/> reports it.</summary>
    public IReadOnlyDictionary<int, long> ReadNextOffsets(string table, string topic) => DuckDbOffsets.Read(_connection, table, topic);

    /// <summary>
    /// All rows ordered by (partition, offset), column name → value (DBNull becomes null, BLOB becomes byte[], TIMESTAMPTZ a UTC DateTime).
    /// Meant for small tables in tests and demos.
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> ReadRows(string table) => DuckDbSql.Read(
        _connection,
        $"SELECT * FROM {DuckDbSql.Quote(table)} ORDER BY {s_partition}, {s_offset}",
        static IReadOnlyDictionary<string, object?> (reader) =>
        {
            var row = new Dictionary<string, object?>(reader.FieldCount, StringComparer.Ordinal);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : Materialize(reader.GetValue(i));
            }

            return row;
        });

    public void Dispose() => _connection.Dispose();

    private static object Materialize(object value)
    {
        if (value is not Stream stream)
        {
            return value;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
