namespace StreamHeal.Batch;

/// <summary>Items bound for one destination, in arrival order.</summary>
/// <param name="Key">The destination (table).</param>
/// <param name="Bytes">The sum of the items' sizes as given to <see cref="Batcher{T}.Add"/>.</param>
public sealed record Batch<T>(string Key, IReadOnlyList<T> Items, long Bytes);
