using System.Text;
using DuckDB.NET.Data;

namespace StreamHeal.Sink.DuckDb;

/// <summary>
/// The <c>_streamheal_offsets</c> table: per (table, topic, partition) the next offset the sink expects.
/// It is written in the same transaction as the rows, which is what makes a replay idempotent.
/// </summary>
internal static class DuckDbOffsets
{
    public static Dictionary<int, long> Read(DuckDBConnection connection, string table, string topic)
    {
        var rows = DuckDbSql.Read(
            connection,
            $"""SELECT "partition", next_offset FROM {DuckDbSql.OffsetsTable} WHERE lower(table_name) = lower(?) AND topic = ?""",
            static reader => (Partition: reader.GetInt32(0), Next: reader.GetInt64(1)),
            table,
            topic);
        var next = new Dictionary<int, long>(rows.Count);
        foreach (var (partition, offset) in rows)
        {
            next[partition] = offset;
        }

        return next;
    }

    /// <summary>Stores last written + 1 per partition in one statement (one per partition costs more than the rows); never moves an offset backwards.</summary>
    public static void Upsert(DuckDBConnection connection, string table, string topic, Dictionary<int, long> lastWritten)
    {
        if (lastWritten.Count == 0)
        {
            return;
        }

        var sql = new StringBuilder($"INSERT INTO {DuckDbSql.OffsetsTable} VALUES ", 64 + (lastWritten.Count * 16));
        var parameters = new object[lastWritten.Count * 4];
        var p = 0;
        foreach (var (partition, last) in lastWritten)
        {
            sql.Append(p == 0 ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)");
            parameters[p++] = table;
            parameters[p++] = topic;
            parameters[p++] = partition;
            parameters[p++] = last + 1;
        }

        sql.Append(" ON CONFLICT DO UPDATE SET next_offset = greatest(next_offset, excluded.next_offset)");
        DuckDbSql.Execute(connection, sql.ToString(), parameters);
    }
}
