namespace StreamHeal.Records;

/// <summary>Items bound for one destination, in arrival order.</summary>
/// <param name="Key">The destination (table).</param>
/// <param name="Bytes">The sum of the items' sizes as the batch stage counted them.</param>
public sealed record RowBatch<T>(string Key, IReadOnlyList<T> Items, long Bytes);
