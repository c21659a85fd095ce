using StreamHeal.CompatFilter;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.CompatFilter;

public sealed class QuarantineCountsTests
{
    [Fact]
    public void Many_distinct_field_names_stay_bounded_and_the_overflow_is_counted_under_one_key()
    {
        var counts = new QuarantineCounts();
        const int names = QuarantineCounts.Capacity * 3;
        for (var i = 0; i < names; i++)
        {
            counts.Increment("events", "f" + i, QuarantineReasons.TypeFlip);
        }

        // A field seen before the cap keeps its own count after it.
        counts.Increment("events", "f0", QuarantineReasons.TypeFlip);

        var snapshot = counts.Snapshot();
        Assert.Equal(QuarantineCounts.Capacity + 1, snapshot.Count);
        Assert.Equal(names + 1, counts.Total);
        Assert.Equal(2, snapshot.Single(r => r.Field == "f0").Count);
        var overflow = snapshot.Single(r => r.Field == QuarantineCounts.OtherFields);
        Assert.Equal(("events", QuarantineReasons.TypeFlip, (long)(names - QuarantineCounts.Capacity)), (overflow.Table, overflow.Reason, overflow.Count));
    }

    [Fact]
    public void The_aggregate_key_is_reported_as_new_only_once()
    {
        var counts = new QuarantineCounts(capacity: 1);

        Assert.True(counts.Increment("t", "a", QuarantineReasons.TypeFlip));
        Assert.True(counts.Increment("t", "b", QuarantineReasons.TypeFlip));
        Assert.False(counts.Increment("t", "c", QuarantineReasons.TypeFlip));
        Assert.False(counts.Increment("t", "a", QuarantineReasons.TypeFlip));
    }
}
