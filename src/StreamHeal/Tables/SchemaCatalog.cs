using System.Collections.Concurrent;

namespace StreamHeal.Tables;

/// <summary>The schema state of every destination table this process writes. Thread-safe.</summary>
public sealed class SchemaCatalog
{
    private readonly ConcurrentDictionary<string, TableSchema> _tables = new(StringComparer.Ordinal);

    public TableSchema Get(string table) => _tables.GetOrAdd(table, static name => new TableSchema(name));

    /// <summary>Seeds a table from the columns the sink already has (start-up reconciliation).</summary>
    public TableSchema Seed(string table, IEnumerable<TableColumn> columns) =>
        _tables.AddOrUpdate(table, static (name, cols) => new TableSchema(name, cols), static (name, _, cols) => new TableSchema(name, cols), columns);
}
