using DuckDB.NET.Data;
using StreamHeal.Records;

namespace StreamHeal.Sink.DuckDb;

/// <summary>
/// Creates and reconciles sink tables and keeps each user column's logical type in <c>_streamheal_columns</c>
/// (String, BigNumeric and Json all land in VARCHAR, so the physical type alone cannot tell them apart).
/// Not thread-safe: the sink calls it under its writer lock.
/// </summary>
internal sealed class DuckDbSchema(DuckDBConnection connection)
{
    private static readonly string[] s_sinkColumns =
    [
        ReservedColumns.KafkaTopic, ReservedColumns.KafkaPartition, ReservedColumns.KafkaOffset,
        ReservedColumns.KafkaTimestamp, ReservedColumns.IngestedAt, ReservedColumns.Quarantine,
    ];

    // The sink is the only writer of the file (DuckDB allows one process), so a cached table stays true.
    private readonly Dictionary<string, DuckDbTable> _tables = new(StringComparer.OrdinalIgnoreCase);

    public void Initialize()
    {
        DuckDbSql.Execute(connection, $"""
            CREATE TABLE IF NOT EXISTS {DuckDbSql.ColumnsTable} (
                table_name VARCHAR NOT NULL, column_name VARCHAR NOT NULL, logical_type VARCHAR NOT NULL,
                PRIMARY KEY (table_name, column_name));
            CREATE TABLE IF NOT EXISTS {DuckDbSql.OffsetsTable} (
                table_name VARCHAR NOT NULL, topic VARCHAR NOT NULL, "partition" INTEGER NOT NULL, next_offset BIGINT NOT NULL,
                PRIMARY KEY (table_name, topic, "partition"));
            """);
    }

    public DuckDbTable Ensure(string table, IReadOnlyList<SinkColumn> columns)
    {
        if (_tables.TryGetValue(table, out var cached) && cached.Covers(columns))
        {
            return cached;
        }

        foreach (var column in columns)
        {
            if (Array.Exists(s_sinkColumns, name => string.Equals(name, column.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException($"Column '{column.Name}' of table '{table}' is owned by the sink; user fields never take that name.", nameof(columns));
            }
        }

        using (var transaction = connection.BeginTransaction())
        {
            // DuckDB matches table names case-insensitively; metadata and offsets are kept under the name as created.
            table = ResolveName(table) ?? table;
            var physical = ReadPhysical(table);
            if (physical.Count == 0)
            {
                Create(table, columns);
            }
            else
            {
                Reconcile(table, columns, physical);
            }

            transaction.Commit();
        }

        var loaded = Load(table);
        _tables[table] = loaded;
        return loaded;
    }

    private void Create(string table, IReadOnlyList<SinkColumn> columns)
    {
        // Metadata left behind by a table dropped outside StreamHeal must not describe the new one.
        DuckDbSql.Execute(connection, $"DELETE FROM {DuckDbSql.ColumnsTable} WHERE table_name = ?", table);
        var ddl = new System.Text.StringBuilder();
        ddl.Append("CREATE TABLE ").Append(DuckDbSql.Quote(table)).Append(" (")
            .Append(DuckDbSql.Quote(ReservedColumns.KafkaTopic)).Append(" VARCHAR NOT NULL, ")
            .Append(DuckDbSql.Quote(ReservedColumns.KafkaPartition)).Append(" INTEGER NOT NULL, ")
            .Append(DuckDbSql.Quote(ReservedColumns.KafkaOffset)).Append(" BIGINT NOT NULL, ")
            .Append(DuckDbSql.Quote(ReservedColumns.KafkaTimestamp)).Append(" TIMESTAMPTZ, ")
            .Append(DuckDbSql.Quote(ReservedColumns.IngestedAt)).Append(" TIMESTAMPTZ NOT NULL, ")
            .Append(DuckDbSql.Quote(ReservedColumns.Quarantine)).Append(" VARCHAR, ");
        foreach (var column in columns)
        {
            ddl.Append(DuckDbSql.Quote(column.Name)).Append(' ').Append(DuckDbTypes.Physical(column.Type)).Append(", ");
        }

        ddl.Append("PRIMARY KEY (").Append(DuckDbSql.Quote(ReservedColumns.KafkaPartition)).Append(", ")
            .Append(DuckDbSql.Quote(ReservedColumns.KafkaOffset)).Append("))");
        DuckDbSql.Execute(connection, ddl.ToString());
        foreach (var column in columns)
        {
            RecordLogical(table, column.Name, column.Type);
        }
    }

    private void Reconcile(string table, IReadOnlyList<SinkColumn> columns, Dictionary<string, (string Name, string Type)> physical)
    {
        foreach (var name in s_sinkColumns)
        {
            if (!physical.ContainsKey(name))
            {
                throw new InvalidOperationException(
                    $"Table '{table}' exists but lacks the sink column '{name}'; StreamHeal cannot write exactly-once into it. Drop or rename the table.");
            }
        }

        var logical = ReadLogical(table);
        foreach (var column in columns)
        {
            if (!physical.TryGetValue(column.Name, out var existing))
            {
                DuckDbSql.Execute(connection, $"ALTER TABLE {DuckDbSql.Quote(table)} ADD COLUMN {DuckDbSql.Quote(column.Name)} {DuckDbTypes.Physical(column.Type)}");
                RecordLogical(table, column.Name, column.Type);
                continue;
            }

            if (logical.TryGetValue(existing.Name, out var known))
            {
                if (known != column.Type)
                {
                    throw new SinkSchemaConflictException(table, existing.Name, column.Type, $"{known} ({existing.Type})");
                }

                if (DuckDbTypes.Physical(known) != existing.Type)
                {
                    throw new SinkSchemaConflictException(table, existing.Name, column.Type, existing.Type);
                }
            }
            else if (DuckDbTypes.Physical(column.Type) != existing.Type)
            {
                throw new SinkSchemaConflictException(table, existing.Name, column.Type, existing.Type);
            }
            else
            {
                // A column created outside StreamHeal: its physical type fits, so the requested logical type becomes the record.
                RecordLogical(table, existing.Name, column.Type);
            }
        }
    }

    private DuckDbTable Load(string table)
    {
        var logical = ReadLogical(table);
        var columns = DuckDbSql.Read(
            connection,
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
            static reader => (Name: reader.GetString(0), Type: reader.GetString(1)),
            table);
        var slots = new DuckDbSlot[columns.Count];
        for (var i = 0; i < slots.Length; i++)
        {
            var (name, physical) = columns[i];
            var kind = SinkSlot(name);
            ColumnType? type = logical.TryGetValue(name, out var known) ? known : DuckDbTypes.FromPhysical(physical);
            slots[i] = kind != SlotKind.User ? new DuckDbSlot(name, kind, ColumnType.String)
                : type is { } mapped ? new DuckDbSlot(name, SlotKind.User, mapped)
                : new DuckDbSlot(name, SlotKind.Unmapped, ColumnType.String);
        }

        return new DuckDbTable(table, slots);
    }

    private static SlotKind SinkSlot(string column) => column.ToLowerInvariant() switch
    {
        ReservedColumns.KafkaTopic => SlotKind.Topic,
        ReservedColumns.KafkaPartition => SlotKind.Partition,
        ReservedColumns.KafkaOffset => SlotKind.Offset,
        ReservedColumns.KafkaTimestamp => SlotKind.KafkaTimestamp,
        ReservedColumns.IngestedAt => SlotKind.IngestedAt,
        ReservedColumns.Quarantine => SlotKind.Quarantine,
        _ => SlotKind.User,
    };

    private string? ResolveName(string table) => (string?)DuckDbSql.Scalar(
        connection,
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND lower(table_name) = lower(?)",
        table);

    private Dictionary<string, (string Name, string Type)> ReadPhysical(string table)
    {
        var columns = DuckDbSql.Read(
            connection,
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ?",
            static reader => (Name: reader.GetString(0), Type: reader.GetString(1)),
            table);
        var byName = new Dictionary<string, (string Name, string Type)>(StringComparer.OrdinalIgnoreCase);
        foreach (var column in columns)
        {
            byName[column.Name] = column;
        }

        return byName;
    }

    private Dictionary<string, ColumnType> ReadLogical(string table)
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

    private void RecordLogical(string table, string column, ColumnType type) =>
        DuckDbSql.Execute(
            connection,
            $"INSERT INTO {DuckDbSql.ColumnsTable} VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET logical_type = excluded.logical_type",
            table,
            column,
            type.ToString());
}
