using DuckDB.NET.Data;
using StreamHeal.Tables;

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

    public void Initialize() => DuckDbCatalog.CreateMetadataTables(connection);

    public DuckDbTable Ensure(string table, IReadOnlyList<TableColumn> columns)
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
            table = DuckDbCatalog.ResolveName(connection, table) ?? table;
            var physical = DuckDbCatalog.ReadColumns(connection, table).ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
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

    private void Create(string table, IReadOnlyList<TableColumn> columns)
    {
        DuckDbCatalog.ForgetTable(connection, table);
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
            DuckDbCatalog.RecordLogical(connection, table, column.Name, column.Type);
        }
    }

    private void Reconcile(string table, IReadOnlyList<TableColumn> columns, Dictionary<string, (string Name, string Type)> physical)
    {
        foreach (var name in s_sinkColumns)
        {
            if (!physical.ContainsKey(name))
            {
                throw new InvalidOperationException(
                    $"Table '{table}' exists but lacks the sink column '{name}'; StreamHeal cannot write exactly-once into it. Drop or rename the table.");
            }
        }

        var logical = DuckDbCatalog.ReadLogical(connection, table);
        foreach (var column in columns)
        {
            if (!physical.TryGetValue(column.Name, out var existing))
            {
                DuckDbSql.Execute(connection, $"ALTER TABLE {DuckDbSql.Quote(table)} ADD COLUMN {DuckDbSql.Quote(column.Name)} {DuckDbTypes.Physical(column.Type)}");
                DuckDbCatalog.RecordLogical(connection, table, column.Name, column.Type);
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
                DuckDbCatalog.RecordLogical(connection, table, existing.Name, column.Type);
            }
        }
    }

    private DuckDbTable Load(string table)
    {
        var logical = DuckDbCatalog.ReadLogical(connection, table);
        var columns = DuckDbCatalog.ReadColumns(connection, table);
        var slots = new DuckDbSlot[columns.Count];
        for (var i = 0; i < slots.Length; i++)
        {
            var (name, physical) = columns[i];
            var kind = ReservedColumns.SlotOf(name);
            ColumnType? type = logical.TryGetValue(name, out var known) ? known : DuckDbTypes.FromPhysical(physical);
            slots[i] = kind != ColumnSlot.User ? new DuckDbSlot(name, kind, ColumnType.String)
                : type is { } mapped ? new DuckDbSlot(name, ColumnSlot.User, mapped)
                : new DuckDbSlot(name, ColumnSlot.Unmapped, ColumnType.String);
        }

        return new DuckDbTable(table, slots);
    }

}
