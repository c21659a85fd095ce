using System.Collections.Concurrent;
using System.Text;

namespace StreamHeal.Records;

/// <summary>
/// Hands out one shared string per distinct short value of a column, keyed by the value's UTF-8 bytes, so the
/// low-cardinality values of an event (names, platforms, versions, enums) cost no allocation per event. Bounded twice:
/// a column that reaches <see cref="MaxPerColumn"/> distinct values is taken for an id and gives its entries back for
/// good, and all columns together hold at most the configured total. Thread-safe.
/// </summary>
internal sealed class ValueTextCache(int maxValues)
{
    /// <summary>Longer values are rarely repeated, and would make a full cache large.</summary>
    public const int MaxValueBytes = 64;

    /// <summary>More distinct values than any enum-like column has; an id column reaches it within a few thousand events.</summary>
    public const int MaxPerColumn = 1_024;

    private int _count;

    /// <summary>Values cached over all columns; may overshoot the bound by the number of racing threads.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>A column's own table, or null when the cache is disabled.</summary>
    public Column? NewColumn() => maxValues > 0 ? new Column(this) : null;

    /// <summary>One column's values. Its first <see cref="MaxPerColumn"/> distinct values decide whether it caches at all.</summary>
    public sealed class Column
    {
        private readonly ValueTextCache _owner;
        private ConcurrentDictionary<byte[], string>? _texts;
        private int _distinct;

        internal Column(ValueTextCache owner)
        {
            _owner = owner;
            _texts = new ConcurrentDictionary<byte[], string>(Utf8KeyComparer.Instance);
        }

        /// <summary>False once the column turned out to hold ids; it then neither looks up nor stores.</summary>
        public bool IsCaching => Volatile.Read(ref _texts) is not null;

        /// <summary>
        /// The shared string of <paramref name="utf8"/> (valid UTF-8), cached now if the column still caches and there is
        /// room; null when it is not cached, so a caller that can keep the bytes instead allocates nothing.
        /// </summary>
        public string? Find(ReadOnlySpan<byte> utf8)
        {
            var texts = Volatile.Read(ref _texts);
            if (texts is null || utf8.Length > MaxValueBytes)
            {
                return null;
            }

            var lookup = texts.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (lookup.TryGetValue(utf8, out var cached))
            {
                return cached;
            }

            if (Volatile.Read(ref _owner._count) >= _owner.MaxValues)
            {
                return null;
            }

            var distinct = Interlocked.Increment(ref _distinct);
            if (distinct > MaxPerColumn)
            {
                // Exactly one thread sees the bound crossed and gives the column's entries back.
                if (distinct == MaxPerColumn + 1 && Interlocked.Exchange(ref _texts, null) is { } dropped)
                {
                    Interlocked.Add(ref _owner._count, -dropped.Count);
                }

                return null;
            }

            var text = Encoding.UTF8.GetString(utf8);
            if (lookup.TryAdd(utf8, text))
            {
                Interlocked.Increment(ref _owner._count);
                return text;
            }

            // Another thread added the same value first: use its instance.
            return lookup.TryGetValue(utf8, out cached) ? cached : text;
        }
    }

    private int MaxValues => maxValues;
}
