using System.Collections;

namespace StreamHeal.Records;

/// <summary>One named leaf of a flattened event.</summary>
public readonly record struct FlatField(string Name, FieldValue Value);

/// <summary>
/// A flattened event: column name → value, in first-seen order, plus fields that were quarantined.
/// Names are unique within a row (the flatten stage guarantees it).
/// </summary>
/// <remarks>
/// The row is its own field list (<see cref="Fields"/> returns it) and holds the fields in one array, so a row costs
/// two objects, not three: one is made per event on the hot path. With a <see cref="FlatFieldPool"/> the array is
/// rented, and <see cref="Release"/> gives it back once nothing reads the row any more.
/// </remarks>
public sealed class FlatRow : IReadOnlyList<FlatField>
{
    private readonly FlatFieldPool? _pool;
    private FlatField[] _fields;
    private int _count;
    private bool _released;
    private List<QuarantinedField>? _quarantine;

    public FlatRow(int capacity = 16)
        : this(capacity, null)
    {
    }

    /// <param name="pool">Where the field array comes from and goes back to on <see cref="Release"/>; null allocates it.</param>
    public FlatRow(int capacity, FlatFieldPool? pool)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _pool = pool;
        _fields = capacity == 0 ? [] : pool is null ? new FlatField[capacity] : pool.Rent(capacity);
    }

    public int Count
    {
        get
        {
            ThrowIfReleased();
            return _count;
        }
    }

    public FlatField this[int index]
    {
        get
        {
            ThrowIfReleased();
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            return _fields[index];
        }
    }

    public IReadOnlyList<FlatField> Fields => this;

    /// <summary>Fields removed from the row, or an empty list.</summary>
    public IReadOnlyList<QuarantinedField> Quarantine => (IReadOnlyList<QuarantinedField>?)_quarantine ?? [];

    public void Add(string name, FieldValue value)
    {
        ThrowIfReleased();
        if (_count == _fields.Length)
        {
            Grow();
        }

        _fields[_count++] = new FlatField(name, value);
    }

    /// <summary>
    /// Gives the field array back to the pool. The caller guarantees nothing reads the row afterwards; any later
    /// access throws, so a late reader fails loudly instead of reading another event's values. Idempotent.
    /// </summary>
    public void Release()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        var fields = _fields;
        _fields = [];
        _count = 0;
        if (_pool is not null && fields.Length > 0)
        {
            _pool.Return(fields);
        }
    }

    private void Grow()
    {
        var size = Math.Max(_fields.Length * 2, 4);
        if (_pool is null)
        {
            Array.Resize(ref _fields, size);
            return;
        }

        var larger = _pool.Rent(size);
        Array.Copy(_fields, larger, _count);
        if (_fields.Length > 0)
        {
            _pool.Return(_fields);
        }

        _fields = larger;
    }

    private void ThrowIfReleased()
    {
        if (_released)
        {
            ThrowReleased();
        }
    }

    private static void ThrowReleased() =>
        throw new ObjectDisposedException(nameof(FlatRow), "The row was released after its sink write; its fields belong to another event now.");

    public void AddQuarantine(QuarantinedField field) => (_quarantine ??= []).Add(field);

    /// <summary>Forgets the quarantined fields (the <c>drop</c> policy: they were counted and logged).</summary>
    public void ClearQuarantine() => _quarantine?.Clear();

    /// <summary>Removes the fields whose index is marked, in one pass, keeping the order of the rest.</summary>
    public void RemoveMarked(ReadOnlySpan<bool> marked)
    {
        ThrowIfReleased();
        var write = 0;
        for (var read = 0; read < _count; read++)
        {
            if (!marked[read])
            {
                _fields[write++] = _fields[read];
            }
        }

        // Cleared so removed values' strings are not kept alive by the row.
        Array.Clear(_fields, write, _count - write);
        _count = write;
    }

    /// <summary>The <c>_quarantine</c> column value: a JSON array, or null when nothing was quarantined.</summary>
    public string? QuarantineJson() =>
        _quarantine is null or { Count: 0 } ? null : QuarantineWriter.ToJson(_quarantine);

    public Enumerator GetEnumerator()
    {
        ThrowIfReleased();
        return new(this);
    }

    IEnumerator<FlatField> IEnumerable<FlatField>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Walks the fields as they are when it starts; the row must not change meanwhile.</summary>
    public struct Enumerator(FlatRow row) : IEnumerator<FlatField>
    {
        private readonly FlatField[] _fields = row._fields;
        private readonly int _count = row._count;
        private int _index = -1;

        public readonly FlatField Current => _fields[_index];

        readonly object IEnumerator.Current => Current;

        public bool MoveNext() => ++_index < _count;

        public void Reset() => _index = -1;

        public readonly void Dispose()
        {
        }
    }
}
