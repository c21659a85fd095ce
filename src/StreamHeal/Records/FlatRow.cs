namespace StreamHeal.Records;

/// <summary>One named leaf of a flattened event.</summary>
public readonly record struct FlatField(string Name, FieldValue Value);

/// <summary>
/// A flattened event: column name → value, in first-seen order, plus fields that were quarantined.
/// Names are unique within a row (the flatten stage guarantees it).
/// </summary>
public sealed class FlatRow
{
    private readonly List<FlatField> _fields;
    private List<QuarantinedField>? _quarantine;

    public FlatRow(int capacity = 16) => _fields = new List<FlatField>(capacity);

    public int Count => _fields.Count;

    public FlatField this[int index] => _fields[index];

    public IReadOnlyList<FlatField> Fields => _fields;

    /// <summary>Fields removed from the row, or an empty list.</summary>
    public IReadOnlyList<QuarantinedField> Quarantine => (IReadOnlyList<QuarantinedField>?)_quarantine ?? [];

    public void Add(string name, FieldValue value) => _fields.Add(new FlatField(name, value));

    public void AddQuarantine(QuarantinedField field) => (_quarantine ??= []).Add(field);

    /// <summary>Forgets the quarantined fields (the <c>drop</c> policy: they were counted and logged).</summary>
    public void ClearQuarantine() => _quarantine?.Clear();

    /// <summary>Removes the fields whose index is marked, in one pass, keeping the order of the rest.</summary>
    public void RemoveMarked(ReadOnlySpan<bool> marked)
    {
        var write = 0;
        for (var read = 0; read < _fields.Count; read++)
        {
            if (!marked[read])
            {
                _fields[write++] = _fields[read];
            }
        }

        _fields.RemoveRange(write, _fields.Count - write);
    }

    /// <summary>The <c>_quarantine</c> column value: a JSON array, or null when nothing was quarantined.</summary>
    public string? QuarantineJson() =>
        _quarantine is null or { Count: 0 } ? null : QuarantineWriter.ToJson(_quarantine);
}
