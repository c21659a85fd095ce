using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Batch;
using StreamHeal.Records;

namespace StreamHeal.Tests.Batch;

public sealed class BatcherProperties
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An add (key, bytes) after advancing the clock, optionally followed by a TakeDue.</summary>
    public sealed record Step(string Key, int Bytes, int AdvanceMs, bool TakeDue);

    public sealed record Scenario(int MaxRows, int MaxBytes, int LingerMs, Step[] Steps);

    private static readonly Gen<Scenario> Scenarios =
        from maxRows in Gen.Choose(1, 8)
        from maxBytes in Gen.Choose(1, 100)
        from lingerMs in Gen.Choose(0, 300)
        from steps in (
            from key in Gen.Elements("a", "b", "c")
            from bytes in Gen.Frequency((8, Gen.Choose(0, maxBytes)), (1, Gen.Choose(maxBytes, maxBytes * 2)))
            from advance in Gen.Choose(0, 120)
            from takeDue in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
            select new Step(key, bytes, advance, takeDue)).ArrayOf()
        select new Scenario(maxRows, maxBytes, lingerMs, steps);

    [Property(MaxTest = 300)]
    public Property Every_item_comes_out_once_in_order_within_limits() =>
        Prop.ForAll(Scenarios.ToArbitrary(), static s =>
        {
            var batcher = new Batcher<int>(new BatchOptions { MaxRows = s.MaxRows, MaxBytes = s.MaxBytes, Linger = TimeSpan.FromMilliseconds(s.LingerMs) });
            var arrivals = new DateTimeOffset[s.Steps.Length];
            var output = new List<RowBatch<int>>();
            var now = Start;
            for (var id = 0; id < s.Steps.Length; id++)
            {
                var step = s.Steps[id];
                now += TimeSpan.FromMilliseconds(step.AdvanceMs);
                arrivals[id] = now;
                output.AddRange(batcher.Add(step.Key, id, step.Bytes, now));
                if (step.TakeDue)
                {
                    var due = batcher.TakeDue(now);
                    if (due.Any(b => now - arrivals[b.Items[0]] < TimeSpan.FromMilliseconds(s.LingerMs)) || batcher.NextDeadline <= now)
                    {
                        return false;
                    }

                    output.AddRange(due);
                }
            }

            output.AddRange(batcher.TakeAll());

            var withinLimits = output.All(b =>
                b.Items.Count >= 1
                && b.Items.Count <= s.MaxRows
                && (b.Bytes <= s.MaxBytes || b.Items.Count == 1)
                && b.Bytes == b.Items.Sum(id => (long)s.Steps[id].Bytes)
                && b.Items.All(id => s.Steps[id].Key == b.Key));
            var inOrderPerKey = output.GroupBy(static b => b.Key)
                .All(g => g.SelectMany(static b => b.Items).SequenceEqual(Enumerable.Range(0, s.Steps.Length).Where(id => s.Steps[id].Key == g.Key)));
            var exactlyOnce = output.SelectMany(static b => b.Items).Order().SequenceEqual(Enumerable.Range(0, s.Steps.Length));

            return withinLimits && inOrderPerKey && exactlyOnce && batcher.PendingItems == 0 && batcher.PendingBytes == 0;
        });
}
