using StreamHeal.Tables;

namespace StreamHeal.Sink.DuckDb;

internal readonly record struct DuckDbSlot(string Name, ColumnSlot Kind, ColumnType Type);

/// <summary>
/// A sink table as it exists in the file: every column in physical order, because the appender fills all of them
/// by position. Built once per schema change, so a batch looks each field up in one dictionary and writes by ordinal.
/// </summary>
internal sealed class DuckDbTable
{
    private readonly Dictionary<string, int> _exactOrdinals;
    private readonly Dictionary<string, int> _userOrdinals;

    public DuckDbTable(string name, DuckDbSlot[] slots)
    {
        Name = name;
        Slots = slots;
        // DuckDB identifiers are case-insensitive, so the lookup is too; the ordinal map is tried first because it hashes faster.
        _exactOrdinals = new Dictionary<string, int>(slots.Length, StringComparer.Ordinal);
        _userOrdinals = new Dictionary<string, int>(slots.Length, StringComparer.OrdinalIgnoreCase);
        var columns = new List<TableColumn>(slots.Length);
        for (var i = 0; i < slots.Length; i++)
        {
            if (slots[i].Kind is ColumnSlot.User or ColumnSlot.Unmapped)
            {
                _exactOrdinals[slots[i].Name] = i;
                _userOrdinals[slots[i].Name] = i;
            }

            if (slots[i].Kind == ColumnSlot.User)
            {
                columns.Add(new TableColumn(slots[i].Name, slots[i].Type));
            }
        }

        UserColumns = columns;
    }

    public string Name { get; }

    public DuckDbSlot[] Slots { get; }

    /// <summary>The user columns with a logical type, in physical order.</summary>
    public IReadOnlyList<TableColumn> UserColumns { get; }

    public bool TryGetOrdinal(string column, out int ordinal) =>
        _exactOrdinals.TryGetValue(column, out ordinal) || _userOrdinals.TryGetValue(column, out ordinal);

    /// <summary>True when every requested column exists with the requested type, so no DDL or metadata read is needed.</summary>
    public bool Covers(IReadOnlyList<TableColumn> columns)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (!TryGetOrdinal(columns[i].Name, out var ordinal)
                || Slots[ordinal].Kind != ColumnSlot.User
                || Slots[ordinal].Type != columns[i].Type)
            {
                return false;
            }
        }

        return true;
    }
}
