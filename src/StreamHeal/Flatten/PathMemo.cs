namespace StreamHeal.Flatten;

/// <summary>
/// The paths one thread's last events resolved, by their position in the event. Events of a topic mostly list their
/// fields in the same order, so the path at a position is usually the one there last time: comparing its bytes is
/// cheaper than hashing them for <see cref="PathNameCache"/>, which is asked only when they differ. Only entries the
/// cache keeps are remembered, so a hit is the object the cache would give now; one made past its bound carries the
/// name number known when it was made, which a later lookup could know better (a missed name collision). One per
/// thread and flattener; not thread-safe.
/// </summary>
internal sealed class PathMemo(PathNameCache names)
{
    /// <summary>Positions past this are always looked up: a few hundred fields cover an event, and the memo stays small.</summary>
    private const int MaxPositions = 256;

    private byte[][] _paths = [];
    private int[] _lengths = [];
    private CachedPath?[] _entries = [];

    public CachedPath Resolve(int position, ReadOnlySpan<byte> path)
    {
        if (position < _entries.Length && _entries[position] is { } entry && path.SequenceEqual(_paths[position].AsSpan(0, _lengths[position])))
        {
            return entry;
        }

        var resolved = names.Resolve(path);
        if (position < MaxPositions && resolved.Kept)
        {
            Remember(position, path, resolved);
        }

        return resolved;
    }

    private void Remember(int position, ReadOnlySpan<byte> path, CachedPath entry)
    {
        if (position >= _entries.Length)
        {
            var size = Math.Min(Math.Max(position + 1, _entries.Length * 2), MaxPositions);
            Array.Resize(ref _paths, size);
            Array.Resize(ref _lengths, size);
            Array.Resize(ref _entries, size);
        }

        // A slot's array is reused while paths fit, so a steady stream allocates nothing here.
        if (_paths[position] is not { } slot || slot.Length < path.Length)
        {
            _paths[position] = slot = new byte[Math.Max(path.Length, 32)];
        }

        path.CopyTo(slot);
        _lengths[position] = path.Length;
        _entries[position] = entry;
    }
}
