using System.Collections.Concurrent;

namespace StreamHeal.CompatFilter;

/// <summary>How many fields were removed from rows, per (table, field, reason). Thread-safe; read for metrics and reports.</summary>
public sealed class QuarantineCounts
{
    private readonly ConcurrentDictionary<(string Table, string Field, string Reason), long> _counts = new();

    /// <summary>Counts one removal; returns true the first time this (table, field, reason) is seen.</summary>
    public bool Increment(string table, string field, string reason)
    {
        var first = false;
        _counts.AddOrUpdate((table, field, reason), _ => { first = true; return 1; }, static (_, count) => count + 1);
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
