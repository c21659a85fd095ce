using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace StreamHeal.Telemetry;

/// <summary>
/// Monotonic counts per label set, read by an observable counter at scrape time. Adding is one dictionary lookup and
/// one interlocked add: no lock and no allocation once a label set was seen, so stages may count per record.
/// </summary>
internal sealed class Tally<TKey>(Func<TKey, KeyValuePair<string, object?>[]> tags)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _counts = new();

    public void Add(TKey key, long count = 1)
    {
        if (!_counts.TryGetValue(key, out var entry))
        {
            entry = _counts.GetOrAdd(key, static (k, tags) => new Entry(tags(k)), tags);
        }

        Interlocked.Add(ref entry.Count.Value, count);
    }

    /// <summary>The sum over every label set; for status lines, not the hot path.</summary>
    public long Total() => Sum(static _ => true);

    /// <summary>The current count of every label set seen.</summary>
    public IEnumerable<(TKey Key, long Count)> Counts()
    {
        foreach (var (key, entry) in _counts)
        {
            yield return (key, Interlocked.Read(ref entry.Count.Value));
        }
    }

    /// <summary>The sum over the label sets <paramref name="match"/> selects.</summary>
    public long Sum(Func<TKey, bool> match)
    {
        long sum = 0;
        foreach (var (key, entry) in _counts)
        {
            if (match(key))
            {
                sum += Interlocked.Read(ref entry.Count.Value);
            }
        }

        return sum;
    }

    public IEnumerable<Measurement<long>> Observe()
    {
        foreach (var (_, entry) in _counts)
        {
            yield return new Measurement<long>(Interlocked.Read(ref entry.Count.Value), entry.Tags);
        }
    }

    private sealed class Entry(KeyValuePair<string, object?>[] tags)
    {
        public StrongBox<long> Count { get; } = new();

        public KeyValuePair<string, object?>[] Tags { get; } = tags;
    }
}
