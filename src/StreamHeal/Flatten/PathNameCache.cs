using System.Collections.Concurrent;
using StreamHeal.Tables;
using StreamHeal.Records;

namespace StreamHeal.Flatten;

/// <summary>A field path's column name and, while values are cached, the table of that column's values.</summary>
internal sealed class CachedPath(ColumnName name, ValueTextCache.Column? values)
{
    public ColumnName Name { get; } = name;

    public ValueTextCache.Column? Values { get; } = values;
}

/// <summary>
/// Remembers the column name of each encoded field path so the hot path neither sanitises nor allocates
/// a name per field. Bounded: once full, new paths are computed every time instead of cached (and their values are
/// not cached either). Thread-safe.
/// </summary>
internal sealed class PathNameCache
{
    private readonly ConcurrentDictionary<byte[], CachedPath> _names;
    private readonly ConcurrentDictionary<byte[], CachedPath>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    private readonly ValueTextCache _values;
    private readonly string _separator;
    private readonly int _maxNameLength;
    private readonly int _capacity;
    private int _count;

    public PathNameCache(string separator, int maxNameLength, int capacity, ValueTextCache values)
    {
        _names = new ConcurrentDictionary<byte[], CachedPath>(Utf8KeyComparer.Instance);
        _bySpan = _names.GetAlternateLookup<ReadOnlySpan<byte>>();
        _values = values;
        _separator = separator;
        _maxNameLength = maxNameLength;
        _capacity = capacity;
    }

    public int Count => Volatile.Read(ref _count);

    public CachedPath Resolve(ReadOnlySpan<byte> path)
    {
        if (_bySpan.TryGetValue(path, out var cached))
        {
            return cached;
        }

        var name = ColumnNames.FromPath(path, _separator, _maxNameLength);
        // The count may overshoot by the number of racing threads; the bound only needs to be approximate.
        if (Volatile.Read(ref _count) < _capacity)
        {
            var entry = new CachedPath(name, name.Status == ColumnNameStatus.Valid ? _values.NewColumn() : null);
            if (_bySpan.TryAdd(path, entry))
            {
                Interlocked.Increment(ref _count);
                return entry;
            }

            // Another thread cached the path first: share its value table.
            return _bySpan.TryGetValue(path, out cached) ? cached : entry;
        }

        return new CachedPath(name, null);
    }
}
