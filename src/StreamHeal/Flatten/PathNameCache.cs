using System.Collections.Concurrent;
using StreamHeal.Tables;
using StreamHeal.Records;

namespace StreamHeal.Flatten;

/// <summary>A field path's column name and, while values are cached, the table of that column's values.</summary>
internal sealed class CachedPath(ColumnName name, ValueTextCache.Column? values, int nameId, bool kept = true)
{
    public ColumnName Name { get; } = name;

    /// <summary>
    /// True when the cache keeps this entry, so every later lookup of the path gives this very object. An entry made
    /// past the cache's bound is made again at each lookup, with the name number known then.
    /// </summary>
    public bool Kept { get; } = kept;

    public ValueTextCache.Column? Values { get; } = values;

    /// <summary>
    /// The same number for every path whose valid name is the same (<c>a-b</c> and <c>a_b</c>), so a row can tell that
    /// two of its fields collide without hashing the name; −1 when the name is not valid or was never cached.
    /// </summary>
    public int NameId { get; } = nameId;
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
    private readonly ConcurrentDictionary<string, int> _nameIds = new(StringComparer.Ordinal);
    private readonly ValueTextCache _values;
    private readonly string _separator;
    private readonly int _maxNameLength;
    private readonly int _capacity;
    private int _count;
    private int _nextNameId = -1;

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
            var valid = name.Status == ColumnNameStatus.Valid;
            var entry = new CachedPath(name, valid ? _values.NewColumn() : null, valid ? _nameIds.GetOrAdd(name.Name!, NewNameId) : -1);
            if (_bySpan.TryAdd(path, entry))
            {
                Interlocked.Increment(ref _count);
                return entry;
            }

            // Another thread cached the path first: share its value table.
            return _bySpan.TryGetValue(path, out cached) ? cached : new CachedPath(name, entry.Values, entry.NameId, kept: false);
        }

        // Past the bound: a name a cached path already has keeps its number, so the two still collide.
        return new CachedPath(name, null, name.Status == ColumnNameStatus.Valid && _nameIds.TryGetValue(name.Name!, out var id) ? id : -1, kept: false);
    }

    /// <summary>Name numbers run from 0 up to about the cache's capacity (a race may skip one): a row's scratch array is that long.</summary>
    private int NewNameId(string name) => Interlocked.Increment(ref _nextNameId);
}
