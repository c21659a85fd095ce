using System.Collections.Frozen;

namespace StreamHeal.Tables;

/// <summary>
/// The registered columns of one destination table. A column's type never changes once registered and names are
/// unique ignoring case (the destinations are case-insensitive). Readers take an immutable <see cref="SchemaSnapshot"/>
/// without locking; additions copy on write, which is cheap because new columns are rare.
/// </summary>
public sealed class TableSchema
{
    private readonly Lock _gate = new();
    private volatile SchemaSnapshot _current;

    public TableSchema(string table, IEnumerable<TableColumn>? columns = null)
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
    public TableColumn GetOrAdd(string name, ColumnType type)
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

            var column = new TableColumn(name, type);
            var columns = new TableColumn[snapshot.Columns.Count + 1];
            for (var i = 0; i < snapshot.Columns.Count; i++)
            {
                columns[i] = snapshot.Columns[i];
            }

            columns[^1] = column;
            _current = SchemaSnapshot.Create(snapshot.Version + 1, columns);
            return column;
        }
    }

    /// <summary>Replaces the columns with <paramref name="columns"/> (what the registry holds), dropping local proposals.</summary>
    public void Reset(IEnumerable<TableColumn> columns)
    {
        lock (_gate)
        {
            _current = SchemaSnapshot.Create(_current.Version + 1, [.. columns]);
        }
    }

    /// <summary>
    /// Adds every column of <paramref name="others"/> not registered yet (ignoring case); a column registered with a
    /// different type keeps its type and is reported, because a column's type never changes.
    /// </summary>
    public IReadOnlyList<ColumnConflict> Merge(IEnumerable<TableColumn> others)
    {
        List<ColumnConflict>? conflicts = null;
        lock (_gate)
        {
            var snapshot = _current;
            var columns = new List<TableColumn>(snapshot.Columns);
            var names = new Dictionary<string, TableColumn>(StringComparer.OrdinalIgnoreCase);
            foreach (var column in columns)
            {
                names[column.Name] = column;
            }

            foreach (var other in others)
            {
                if (names.TryGetValue(other.Name, out var existing))
                {
                    if (existing.Type != other.Type)
                    {
                        (conflicts ??= []).Add(new ColumnConflict(existing.Name, existing.Type, other.Type));
                    }

                    continue;
                }

                names[other.Name] = other;
                columns.Add(other);
            }

            if (columns.Count != snapshot.Columns.Count)
            {
                _current = SchemaSnapshot.Create(snapshot.Version + (columns.Count - snapshot.Columns.Count), [.. columns]);
            }
        }

        return (IReadOnlyList<ColumnConflict>?)conflicts ?? [];
    }
}

/// <summary>A column whose name is registered with another type (names compared ignoring case).</summary>
public readonly record struct ColumnConflict(string Name, ColumnType Existing, ColumnType Other);

/// <summary>An immutable view of a table's columns at one version.</summary>
public sealed class SchemaSnapshot
{
    private readonly FrozenDictionary<string, TableColumn> _byName;

    // The same columns by exact spelling: almost every lookup (each field of each row) is of a name spelled as its
    // column is, and an ordinal hash is cheaper than one that ignores case (210 against 219-231 ns per event in the
    // compat-filter benchmark; a fresh table pays twice per new column for it). Built from _byName's
    // columns, so a hit here is the column _byName would give.
    private readonly FrozenDictionary<string, TableColumn> _byExactName;

    private SchemaSnapshot(long version, TableColumn[] columns, FrozenDictionary<string, TableColumn> byName)
    {
        Version = version;
        Columns = columns;
        _byName = byName;
        _byExactName = byName.Values.ToFrozenDictionary(static c => c.Name, StringComparer.Ordinal);
    }

    /// <summary>Increases by one per added column.</summary>
    public long Version { get; }

    public IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>Looks a column up ignoring case.</summary>
    public bool TryGet(string name, out TableColumn column) =>
        _byExactName.TryGetValue(name, out column) || _byName.TryGetValue(name, out column);

    internal static SchemaSnapshot Create(long version, TableColumn[] columns)
    {
        var byName = new Dictionary<string, TableColumn>(columns.Length, StringComparer.OrdinalIgnoreCase);
        foreach (var column in columns)
        {
            byName.TryAdd(column.Name, column);
        }

        return new SchemaSnapshot(version, columns, byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }
}
