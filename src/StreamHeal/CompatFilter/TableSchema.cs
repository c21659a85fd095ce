using System.Collections.Frozen;
using StreamHeal.Records;
using StreamHeal.Sink;

namespace StreamHeal.CompatFilter;

/// <summary>
/// The registered columns of one destination table. A column's type never changes once registered and names are
/// unique ignoring case (the destinations are case-insensitive). Readers take an immutable <see cref="Snapshot"/>
/// without locking; additions copy on write, which is cheap because new columns are rare.
/// </summary>
public sealed class TableSchema
{
    private readonly Lock _gate = new();
    private volatile SchemaSnapshot _current;

    public TableSchema(string table, IEnumerable<SinkColumn>? columns = null)
    {
        Table = table;
        _current = SchemaSnapshot.Create(0, columns?.ToArray() ?? []);
    }

    public string Table { get; }

    public SchemaSnapshot Current => _current;

    /// <summary>
    /// Registers <paramref name="name"/> with <paramref name="type"/> unless a column with that name (ignoring case)
    /// already exists; returns the column that is registered now, which may differ in case or type.
    /// </summary>
    public SinkColumn GetOrAdd(string name, ColumnType type)
    {
        if (_current.TryGet(name, out var existing))
        {
            return existing;
        }

        lock (_gate)
        {
            var snapshot = _current;
            if (snapshot.TryGet(name, out existing))
            {
                return existing;
            }

            var column = new SinkColumn(name, type);
            var columns = new SinkColumn[snapshot.Columns.Count + 1];
            for (var i = 0; i < snapshot.Columns.Count; i++)
            {
                columns[i] = snapshot.Columns[i];
            }

            columns[^1] = column;
            _current = SchemaSnapshot.Create(snapshot.Version + 1, columns);
            return column;
        }
    }
}

/// <summary>An immutable view of a table's columns at one version.</summary>
public sealed class SchemaSnapshot
{
    private readonly FrozenDictionary<string, SinkColumn> _byName;

    private SchemaSnapshot(long version, SinkColumn[] columns, FrozenDictionary<string, SinkColumn> byName)
    {
        Version = version;
        Columns = columns;
        _byName = byName;
    }

    /// <summary>Increases by one per added column.</summary>
    public long Version { get; }

    public IReadOnlyList<SinkColumn> Columns { get; }

    /// <summary>Looks a column up ignoring case.</summary>
    public bool TryGet(string name, out SinkColumn column) => _byName.TryGetValue(name, out column);

    internal static SchemaSnapshot Create(long version, SinkColumn[] columns)
    {
        var byName = new Dictionary<string, SinkColumn>(columns.Length, StringComparer.OrdinalIgnoreCase);
        foreach (var column in columns)
        {
            byName.TryAdd(column.Name, column);
        }

        return new SchemaSnapshot(version, columns, byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }
}
