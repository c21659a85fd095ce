namespace StreamHeal.Flatten;

/// <summary>
/// One worker's record of the column names the row being flattened already has. A name the path cache numbered is
/// marked in an array with the row's stamp, so the check is an index and a compare, not a hash of the name; the few
/// names it never numbered (those past its bound) fall back to a set.
/// </summary>
internal sealed class RowNames
{
    private const int MaxRetainedSetCount = 1024;

    private int[] _stamps = new int[64];
    private int _row;
    private HashSet<string> _unnumbered = new(StringComparer.Ordinal);

    /// <summary>Forgets the last row's names.</summary>
    public void Begin()
    {
        if (++_row == int.MaxValue)
        {
            Array.Clear(_stamps);
            _row = 1;
        }

        if (_unnumbered.Count > MaxRetainedSetCount)
        {
            // Clear() costs the set's capacity, so one huge event must not slow every later one.
            _unnumbered = new HashSet<string>(StringComparer.Ordinal);
        }
        else if (_unnumbered.Count > 0)
        {
            _unnumbered.Clear();
        }
    }

    /// <summary>False when the row already has <paramref name="name"/>.</summary>
    public bool TryAdd(string name, int nameId)
    {
        if (nameId < 0)
        {
            return _unnumbered.Add(name);
        }

        if (nameId >= _stamps.Length)
        {
            Array.Resize(ref _stamps, Math.Max(_stamps.Length * 2, nameId + 1));
        }

        // A name the cache numbered after an earlier field of this row looked it up unnumbered is in the set instead.
        if (_stamps[nameId] == _row || (_unnumbered.Count > 0 && _unnumbered.Contains(name)))
        {
            return false;
        }

        _stamps[nameId] = _row;
        return true;
    }
}
