using DuckDB.NET.Data;
using DuckDB.NET.Native;
using StreamHeal.Tables;

namespace StreamHeal.Sink.DuckDb;

/// <summary>
/// Appends one batch and advances the stored offsets in one DuckDB transaction (the transactional-sink pattern):
/// either both the rows and the offsets land or neither does. Not thread-safe: the sink calls it under its writer lock.
/// </summary>
/// <remarks>
/// The stored offsets of each (table, topic) are read from the file once and then kept in step with every commit: the sink
/// is the file's only writer (DuckDB lets one process open it), and reading them per batch cost ~0.7 ms. A failed write
/// forgets them, so the next one reads what the file holds.
/// </remarks>
internal sealed class DuckDbBatchWriter(DuckDBConnection connection, TimeProvider timeProvider)
{
    // Cancellation is checked every this many rows; a check per row costs more than it saves.
    private const int CancellationCheckMask = 1023;

    private readonly Dictionary<(string Table, string Topic), Dictionary<int, long>> _stored = [];
    private DuckDbCell[] _cells = [];

    public SinkBatchResult Write(DuckDbTable table, SinkBatch batch, CancellationToken cancellationToken)
    {
        var key = (table.Name, batch.Topic);
        if (!_stored.TryGetValue(key, out var stored))
        {
            stored = DuckDbOffsets.Read(connection, table.Name, batch.Topic);
            _stored[key] = stored;
        }

        try
        {
            return Write(table, batch, stored, cancellationToken);
        }
        catch
        {
            _stored.Remove(key);
            throw;
        }
    }

    private SinkBatchResult Write(DuckDbTable table, SinkBatch batch, Dictionary<int, long> stored, CancellationToken cancellationToken)
    {
        var rows = batch.Rows;
        var result = new SinkBatchResult(rows.Count);
        var slots = table.Slots;
        if (_cells.Length < slots.Length)
        {
            _cells = new DuckDbCell[slots.Length];
        }

        var ingestedAt = timeProvider.GetUtcNow();
        var lastWritten = new Dictionary<int, long>();
        using var transaction = connection.BeginTransaction();
        var held = HeldBelowStored(table.Name, batch, stored);
        try
        {
            using var appender = connection.CreateAppender(table.Name);
            for (var i = 0; i < rows.Count; i++)
            {
                if ((i & CancellationCheckMask) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var row = rows[i];
                // Below the stored offset is not enough: a refused row stays out of the table while a later row of its
                // partition moves the offset past it, and reporting it AlreadyWritten would complete it with no row and no
                // dead letter when its DLQ send had not finished before a restart.
                if (stored.TryGetValue(row.Partition, out var next) && row.Offset < next && held.Contains((row.Partition, row.Offset)))
                {
                    result.Set(i, RowOutcome.AlreadyWritten);
                    continue;
                }

                // A rejected row does not advance the stored offset by itself: when it is the last of its partition, a replay
                // rejects it again instead of reporting AlreadyWritten for a row that may not have reached the DLQ yet.
                if (Convert(table, row) is { } error)
                {
                    result.Reject(i, error);
                    continue;
                }

                Append(appender.CreateRow(), slots, batch.Topic, row, ingestedAt);
                lastWritten[row.Partition] = lastWritten.TryGetValue(row.Partition, out var last) ? Math.Max(last, row.Offset) : row.Offset;
            }

            // Close flushes the last chunk; a duplicate key surfaces here at the latest.
            appender.Close();
        }
        catch (DuckDBException ex) when (ex.ErrorType == DuckDBErrorType.Constraint)
        {
            transaction.Rollback();
            throw new DuplicateRowException(DescribeDuplicate(table.Name, batch, stored, ex), ex);
        }

        DuckDbOffsets.Store(connection, table.Name, batch.Topic, lastWritten, stored);
        transaction.Commit();
        foreach (var (partition, last) in lastWritten)
        {
            stored[partition] = stored.TryGetValue(partition, out var next) ? Math.Max(next, last + 1) : last + 1;
        }

        return result;
    }

    /// <summary>The (partition, offset) of each row below its partition's stored offset that the table holds; empty unless Kafka redelivered.</summary>
    private HashSet<(int Partition, long Offset)> HeldBelowStored(string table, SinkBatch batch, Dictionary<int, long> stored)
    {
        var ranges = new Dictionary<int, (long Min, long Max)>();
        foreach (var row in batch.Rows)
        {
            if (stored.TryGetValue(row.Partition, out var next) && row.Offset < next)
            {
                ranges[row.Partition] = ranges.TryGetValue(row.Partition, out var range)
                    ? (Math.Min(range.Min, row.Offset), Math.Max(range.Max, row.Offset))
                    : (row.Offset, row.Offset);
            }
        }

        var held = new HashSet<(int Partition, long Offset)>();
        foreach (var (partition, (min, max)) in ranges)
        {
            var offsets = DuckDbSql.Read(
                connection,
                $"SELECT {DuckDbSql.Quote(ReservedColumns.KafkaOffset)} FROM {DuckDbSql.Quote(table)} WHERE {DuckDbSql.Quote(ReservedColumns.KafkaPartition)} = ? AND {DuckDbSql.Quote(ReservedColumns.KafkaOffset)} BETWEEN ? AND ?",
                static reader => reader.GetInt64(0),
                partition,
                min,
                max);
            offsets.ForEach(offset => held.Add((partition, offset)));
        }

        return held;
    }

    /// <summary>Fills the user cells for <paramref name="row"/>; returns why it cannot be written, or null.</summary>
    private string? Convert(DuckDbTable table, in SinkRow row)
    {
        var cells = _cells;
        // Columns the row does not mention stay null.
        Array.Clear(cells);
        var fields = row.Row.Fields;
        for (var f = 0; f < fields.Count; f++)
        {
            var field = fields[f];
            if (!table.TryGetOrdinal(field.Name, out var ordinal))
            {
                return $"Field '{field.Name}' is not a column of DuckDB table '{table.Name}'; the batch's columns must be ensured first.";
            }

            var slot = table.Slots[ordinal];
            if (slot.Kind == ColumnSlot.Unmapped && !field.Value.IsNull)
            {
                return $"Column '{field.Name}' of DuckDB table '{table.Name}' has a type StreamHeal does not write (table created outside StreamHeal).";
            }

            if (!cells[ordinal].TrySet(field.Value, slot.Type))
            {
                return $"Value {Truncate(field.Value.ToJsonLiteral())} ({field.Value.Kind}) cannot be stored in column '{field.Name}' ({slot.Type}, DuckDB {DuckDbTypes.Physical(slot.Type)}) of table '{table.Name}'.";
            }
        }

        return null;
    }

    private void Append(IDuckDBAppenderRow appenderRow, DuckDbSlot[] slots, string topic, in SinkRow row, DateTimeOffset ingestedAt)
    {
        for (var i = 0; i < slots.Length; i++)
        {
            appenderRow = slots[i].Kind switch
            {
                ColumnSlot.Topic => appenderRow.AppendValue(topic),
                ColumnSlot.Partition => appenderRow.AppendValue((int?)row.Partition),
                ColumnSlot.Offset => appenderRow.AppendValue((long?)row.Offset),
                ColumnSlot.KafkaTimestamp => appenderRow.AppendValue((DateTimeOffset?)row.Timestamp),
                ColumnSlot.IngestedAt => appenderRow.AppendValue((DateTimeOffset?)ingestedAt),
                ColumnSlot.Quarantine => appenderRow.AppendValue(row.Row.QuarantineJson()),
                _ => _cells[i].AppendTo(appenderRow),
            };
        }

        appenderRow.EndRow();
    }

    /// <summary>Names the first (partition, offset) the table already held, so the bug can be traced.</summary>
    private string DescribeDuplicate(string table, SinkBatch batch, Dictionary<int, long> stored, DuckDBException ex)
    {
        var ranges = new SortedDictionary<int, (long Min, long Max)>();
        foreach (var row in batch.Rows)
        {
            ranges[row.Partition] = ranges.TryGetValue(row.Partition, out var range)
                ? (Math.Min(range.Min, row.Offset), Math.Max(range.Max, row.Offset))
                : (row.Offset, row.Offset);
        }

        foreach (var (partition, (min, max)) in ranges)
        {
            var held = DuckDbSql.Scalar(
                connection,
                $"SELECT min({DuckDbSql.Quote(ReservedColumns.KafkaOffset)}) FROM {DuckDbSql.Quote(table)} WHERE {DuckDbSql.Quote(ReservedColumns.KafkaPartition)} = ? AND {DuckDbSql.Quote(ReservedColumns.KafkaOffset)} BETWEEN ? AND ?",
                partition,
                min,
                max);
            if (held is long offset)
            {
                var next = stored.TryGetValue(partition, out var n) ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";
                return $"DuckDB table '{table}' already holds partition {partition} offset {offset} (topic '{batch.Topic}'), but {DuckDbSql.OffsetsTable} says the next offset is {next}. "
                    + $"The rows and the offset table disagree; nothing of this batch was written. DuckDB: {ex.Message}";
            }
        }

        return $"Batch for DuckDB table '{table}' (topic '{batch.Topic}') repeats a (partition, offset); nothing of this batch was written. DuckDB: {ex.Message}";
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
