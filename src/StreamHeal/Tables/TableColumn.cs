namespace StreamHeal.Tables;

/// <summary>A destination column.</summary>
public readonly record struct TableColumn(string Name, ColumnType Type);
