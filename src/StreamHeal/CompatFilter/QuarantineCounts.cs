using System.Collections.Concurrent;

namespace StreamHeal.CompatFilter;

/// <summary>
/// How many fields were removed from rows, per (table, field, reason). Thread-safe; read for metrics and reports.
/// Bounded: once <see cref="Capacity"/> distinct keys are held, a new field name is counted under
/// (table, <see cref="OtherFields"/>, reason), so events with ever new field names cannot grow it.
/// </summary>
public sealed class QuarantineCounts
{
    /// <summary>Distinct (table, field, reason) keys kept before new field names are aggregated; as many as the log-once set.</summary>
    public const int Capacity = 10_000;

    /// <summary>The field of the aggregate key: every field first seen after the capacity was reached.</summary>
    public const string OtherFields = "(other fields)";

    private readonly ConcurrentDictionary<(string Table, string Field, string Reason), long> _counts = new();
    private readonly int _capacity;

    public QuarantineCounts()
        : this(Capacity)
    {
    }

    internal QuarantineCounts(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
    }

    /// <summary>Counts one removal; returns true the first time its key is seen.</summary>
    public bool Increment(string table, string field, string reason)
    {
        var key = (table, field, reason);
        // Checked before adding, so a race may let a few keys past the capacity; the aggregate keys come on top (one per
        // table and reason, both bounded).
        if (_counts.Count >= _capacity && !_counts.ContainsKey(key))
        {
            key = (table, OtherFields, reason);
        }

        var first = false;
        _counts.AddOrUpdate(key, _ => { first = true; return 1; }, static (_, count) => count + 1);
        return first;
    }

    public long Total
    {
        get
        {
            long total = 0;
            foreach (var (_, count) in _counts)
            {
                total += count;
            }

            return total;
        }
    }

    public IReadOnlyList<(string Table, string Field, string Reason, long Count)> Snapshot()
    {
        var rows = new List<(string, string, string, long)>(_counts.Count);
        foreach (var ((table, field, reason), count) in _counts)
        {
            rows.Add((table, field, reason, count));
        }

        rows.Sort(static (a, b) => (a.Item1, a.Item2, a.Item3).CompareTo((b.Item1, b.Item2, b.Item3)));
        return rows;
    }
}
