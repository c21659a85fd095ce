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
/// two objects, not three: one is made per event on the hot path.
/// </remarks>
public sealed class FlatRow : IReadOnlyList<FlatField>
{
    private FlatField[] _fields;
    private int _count;
    private List<QuarantinedField>? _quarantine;

    public FlatRow(int capacity = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _fields = capacity == 0 ? [] : new FlatField[capacity];
    }

    public int Count => _count;

    public FlatField this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            return _fields[index];
        }
    }

    public IReadOnlyList<FlatField> Fields => this;

    /// <summary>Fields removed from the row, or an empty list.</summary>
    public IReadOnlyList<QuarantinedField> Quarantine => (IReadOnlyList<QuarantinedField>?)_quarantine ?? [];

    public void Add(string name, FieldValue value)
    {
        if (_count == _fields.Length)
        {
            Array.Resize(ref _fields, Math.Max(_fields.Length * 2, 4));
        }

        _fields[_count++] = new FlatField(name, value);
    }

    public void AddQuarantine(QuarantinedField field) => (_quarantine ??= []).Add(field);

    /// <summary>Forgets the quarantined fields (the <c>drop</c> policy: they were counted and logged).</summary>
    public void ClearQuarantine() => _quarantine?.Clear();

    /// <summary>Removes the fields whose index is marked, in one pass, keeping the order of the rest.</summary>
    public void RemoveMarked(ReadOnlySpan<bool> marked)
    {
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

    public Enumerator GetEnumerator() => new(this);

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
