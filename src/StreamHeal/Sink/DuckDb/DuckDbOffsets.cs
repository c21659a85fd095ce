using System.Globalization;
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

    /// <summary>
    /// Stores last written + 1 per partition; never moves an offset backwards. Partitions in <paramref name="stored"/> (what
    /// the table held before this transaction) are updated in one statement, the others inserted: an <c>INSERT … ON
    /// CONFLICT</c> over every partition took ~5 ms per batch of 64 partitions, three times the update, whatever the rows.
    /// </summary>
    public static void Store(DuckDBConnection connection, string table, string topic, Dictionary<int, long> lastWritten, Dictionary<int, long> stored)
    {
        var known = 0;
        foreach (var partition in lastWritten.Keys)
        {
            known += stored.ContainsKey(partition) ? 1 : 0;
        }

        // A stored row under another spelling of the table name (read case-insensitively) is not matched by the update;
        // the upsert below then covers every partition.
        var updated = known == 0 ? 0 : Update(connection, table, topic, lastWritten, stored);
        if (updated == known && known == lastWritten.Count)
        {
            return;
        }

        Upsert(connection, table, topic, lastWritten, updated == known ? stored : null);
    }

    /// <summary>Updates the partitions of <paramref name="lastWritten"/> that <paramref name="stored"/> holds; returns the rows updated.</summary>
    private static int Update(DuckDBConnection connection, string table, string topic, Dictionary<int, long> lastWritten, Dictionary<int, long> stored)
    {
        // Integers are spliced as literals (invariant culture): 128 parameters cost more to bind than the text to parse.
        var sql = new StringBuilder($"UPDATE {DuckDbSql.OffsetsTable} AS o SET next_offset = greatest(o.next_offset, v.n) FROM (VALUES ", 128 + (lastWritten.Count * 24));
        var first = true;
        foreach (var (partition, last) in lastWritten)
        {
            if (!stored.ContainsKey(partition))
            {
                continue;
            }

            sql.Append(first ? "(" : ", (").Append(partition.ToString(CultureInfo.InvariantCulture)).Append(", ")
                .Append((last + 1).ToString(CultureInfo.InvariantCulture)).Append(')');
            first = false;
        }

        sql.Append(""") AS v(p, n) WHERE o.table_name = ? AND o.topic = ? AND o."partition" = v.p""");
        return DuckDbSql.Execute(connection, sql.ToString(), table, topic);
    }

    /// <summary>Inserts or raises the partitions of <paramref name="lastWritten"/>, skipping those in <paramref name="skip"/> (already updated).</summary>
    private static void Upsert(DuckDBConnection connection, string table, string topic, Dictionary<int, long> lastWritten, Dictionary<int, long>? skip)
    {
        var sql = new StringBuilder($"INSERT INTO {DuckDbSql.OffsetsTable} VALUES ", 64 + (lastWritten.Count * 16));
        var parameters = new List<object>(lastWritten.Count * 4);
        foreach (var (partition, last) in lastWritten)
        {
            if (skip?.ContainsKey(partition) == true)
            {
                continue;
            }

            sql.Append(parameters.Count == 0 ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)");
            parameters.Add(table);
            parameters.Add(topic);
            parameters.Add(partition);
            parameters.Add(last + 1);
        }

        sql.Append(" ON CONFLICT DO UPDATE SET next_offset = greatest(next_offset, excluded.next_offset)");
        DuckDbSql.Execute(connection, sql.ToString(), [.. parameters]);
    }
}
