using StreamHeal.Tables;

namespace StreamHeal.Pipeline;

/// <summary>
/// The columns each table had when the pipeline started, and every column the sink confirmed since: what tells a
/// column added by this run from one the table already had. Column names compare ignoring case, as the tables do.
/// Thread-safe (one lock; taken only when a table's schema changed).
/// </summary>
internal sealed class TableColumnsSeen
{
    private readonly Dictionary<string, HashSet<string>> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _seeded = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Seed(string table, IReadOnlyList<TableColumn> columns)
    {
        lock (_lock)
        {
            _seen[table] = new HashSet<string>(columns.Select(static c => c.Name), StringComparer.OrdinalIgnoreCase);
            _seeded[table] = columns.Count;
        }
    }

    /// <summary>How many columns <paramref name="table"/> had when the pipeline started; null before it was seeded.</summary>
    public int? SeededCount(string table)
    {
        lock (_lock)
        {
            return _seeded.TryGetValue(table, out var count) ? count : null;
        }
    }

    /// <summary>The columns of <paramref name="columns"/> not seen before for <paramref name="table"/>, now marked seen.</summary>
    public List<TableColumn> Add(string table, IReadOnlyList<TableColumn> columns)
    {
        var added = new List<TableColumn>();
        lock (_lock)
        {
            if (!_seen.TryGetValue(table, out var seen))
            {
                _seen[table] = seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            }

            foreach (var column in columns)
            {
                if (seen.Add(column.Name))
                {
                    added.Add(column);
                }
            }
        }

        return added;
    }
}
