using System.Collections.Concurrent;

namespace StreamHeal.Flatten;

/// <summary>
/// Remembers the column name of each encoded field path so the hot path neither sanitises nor allocates
/// a name per field. Bounded: once full, new paths are computed every time instead of cached. Thread-safe.
/// </summary>
internal sealed class PathNameCache
{
    private readonly ConcurrentDictionary<byte[], ColumnName> _names;
    private readonly ConcurrentDictionary<byte[], ColumnName>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    private readonly string _separator;
    private readonly int _maxNameLength;
    private readonly int _capacity;
    private int _count;

    public PathNameCache(string separator, int maxNameLength, int capacity)
    {
        _names = new ConcurrentDictionary<byte[], ColumnName>(PathComparer.Instance);
        _bySpan = _names.GetAlternateLookup<ReadOnlySpan<byte>>();
        _separator = separator;
        _maxNameLength = maxNameLength;
        _capacity = capacity;
    }

    public int Count => Volatile.Read(ref _count);

    public ColumnName Resolve(ReadOnlySpan<byte> path)
    {
        if (_bySpan.TryGetValue(path, out var cached))
        {
            return cached;
        }

        var name = ColumnNames.FromPath(path, _separator, _maxNameLength);
        // The count may overshoot by the number of racing threads; the bound only needs to be approximate.
        if (Volatile.Read(ref _count) < _capacity && _bySpan.TryAdd(path, name))
        {
            Interlocked.Increment(ref _count);
        }

        return name;
    }

    private sealed class PathComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly PathComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
