using StreamHeal.Flatten;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.Flatten;

public sealed class RowNamesTests
{
    [Fact]
    public void A_numbered_name_collides_within_a_row_and_not_with_the_next_row()
    {
        var names = new RowNames();
        names.Begin();
        Assert.True(names.TryAdd("a", 0));
        Assert.True(names.TryAdd("b", 1));
        Assert.False(names.TryAdd("a", 0));

        names.Begin();
        Assert.True(names.TryAdd("a", 0));
        Assert.True(names.TryAdd("b", 1));
    }

    [Fact]
    public void Names_the_cache_never_numbered_collide_through_the_set()
    {
        var names = new RowNames();
        names.Begin();
        Assert.True(names.TryAdd("x", -1));
        Assert.False(names.TryAdd("x", -1));

        names.Begin();
        Assert.True(names.TryAdd("x", -1));
    }

    // Past the cache's bound, one field looked its name up before a racing worker numbered it for another path.
    [Fact]
    public void A_name_first_seen_unnumbered_collides_with_the_same_name_numbered_later_in_the_row()
    {
        var names = new RowNames();
        names.Begin();
        Assert.True(names.TryAdd("a", -1));
        Assert.False(names.TryAdd("a", 7));
    }

    [Fact]
    public void Numbers_beyond_the_scratch_array_grow_it()
    {
        var names = new RowNames();
        names.Begin();
        Assert.True(names.TryAdd("far", 10_000));
        Assert.False(names.TryAdd("far", 10_000));
    }

    [Fact]
    public void Past_the_cache_bound_a_path_whose_name_a_cached_path_has_still_collides_with_it()
    {
        // The cache holds one path: "a-b" is cached as a_b; "a_b" comes later, uncached, and must still collide.
        var flattener = new Flattener(new FlattenOptions { MaxCachedNames = 1 });
        flattener.Flatten("{\"a-b\":1}"u8);

        var row = flattener.Flatten("{\"a-b\":1,\"a_b\":2,\"c\":3,\"c\":4}"u8);

        Assert.Equal(["a_b", "c"], row.Fields.Select(static f => f.Name));
        Assert.Equal(["a_b", "c"], row.Quarantine.Select(static q => q.Name));
        Assert.All(row.Quarantine, static q => Assert.Equal(QuarantineReasons.NameCollision, q.Reason));
    }
}
