using StreamHeal.Records;
namespace StreamHeal.Batch;

/// <summary>
/// Groups items per destination key into batches bounded by row count and bytes, and releases partial
/// batches once their first item has waited <see cref="BatchOptions.Linger"/>. Time is passed in so the
/// caller's <see cref="TimeProvider"/> drives it. Not thread-safe: one stage owns an instance.
/// </summary>
public sealed class Batcher<T>(BatchOptions options)
{
    private static readonly IReadOnlyList<RowBatch<T>> None = [];

    private readonly int _maxRows = options.MaxRows;
    private readonly long _maxBytes = options.MaxBytes;
    private readonly TimeSpan _linger = options.Linger;
    private readonly Dictionary<string, OpenBatch> _open = new(StringComparer.Ordinal);

    public int PendingItems { get; private set; }

    public long PendingBytes { get; private set; }

    /// <summary>When the oldest open batch becomes due; null when nothing is pending.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            DateTimeOffset? earliest = null;
            foreach (var (_, open) in _open)
            {
                if (earliest is null || open.FirstArrival < earliest)
                {
                    earliest = open.FirstArrival;
                }
            }

            return earliest + _linger;
        }
    }

    /// <summary>Adds an item and returns the batches that became full (usually none).</summary>
    /// <param name="bytes">The item's size, counted against <see cref="BatchOptions.MaxBytes"/>.</param>
    /// <param name="now">The arrival time, which starts the linger clock of a new batch.</param>
    public IReadOnlyList<RowBatch<T>> Add(string key, T item, int bytes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        List<RowBatch<T>>? full = null;
        _open.TryGetValue(key, out var open);
        if (open is not null && open.Bytes + bytes > _maxBytes)
        {
            // Send what is open first, so the batch stays under the limit and the key's order is kept.
            (full ??= []).Add(Close(key, open));
            open = null;
        }

        if (open is null)
        {
            open = new OpenBatch(now);
            _open.Add(key, open);
        }

        open.Items.Add(item);
        open.Bytes += bytes;
        PendingItems++;
        PendingBytes += bytes;
        if (open.Items.Count >= _maxRows || open.Bytes >= _maxBytes)
        {
            (full ??= []).Add(Close(key, open));
        }

        return full ?? None;
    }

    /// <summary>Returns the open batches whose first item arrived at least the linger time before <paramref name="now"/>.</summary>
    public IReadOnlyList<RowBatch<T>> TakeDue(DateTimeOffset now)
    {
        List<RowBatch<T>>? due = null;
        foreach (var (key, open) in _open)
        {
            if (now - open.FirstArrival >= _linger)
            {
                // Removing the current entry while enumerating a Dictionary is allowed.
                (due ??= []).Add(Close(key, open));
            }
        }

        return due ?? None;
    }

    /// <summary>Returns every open batch (on shutdown or drain).</summary>
    public IReadOnlyList<RowBatch<T>> TakeAll()
    {
        if (_open.Count == 0)
        {
            return None;
        }

        var all = new List<RowBatch<T>>(_open.Count);
        foreach (var (key, open) in _open)
        {
            all.Add(Close(key, open));
        }

        return all;
    }

    private RowBatch<T> Close(string key, OpenBatch open)
    {
        _open.Remove(key);
        PendingItems -= open.Items.Count;
        PendingBytes -= open.Bytes;
        return new RowBatch<T>(key, open.Items, open.Bytes);
    }

    private sealed class OpenBatch(DateTimeOffset firstArrival)
    {
        public DateTimeOffset FirstArrival { get; } = firstArrival;

        public List<T> Items { get; } = [];

        public long Bytes { get; set; }
    }
}
