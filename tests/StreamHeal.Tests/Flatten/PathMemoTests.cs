using StreamHeal.Flatten;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.Flatten;

public sealed class PathMemoTests
{
    private static PathNameCache Cache(int capacity) => new("__", 128, capacity, new ValueTextCache(16));

    [Fact]
    public void A_path_seen_at_the_same_position_gives_the_cache_s_own_entry_and_another_path_there_is_looked_up()
    {
        var cache = Cache(16);
        var memo = new PathMemo(cache);

        var first = memo.Resolve(0, "user__id"u8);
        Assert.Same(first, memo.Resolve(0, "user__id"u8));
        Assert.Same(cache.Resolve("user__id"u8), first);

        // Same length, other bytes: not the remembered entry.
        var other = memo.Resolve(0, "user__ip"u8);
        Assert.Equal("user__ip", other.Name.Name);
        Assert.Same(cache.Resolve("user__ip"u8), other);
    }

    /// <summary>
    /// An entry made past the cache's bound carries the name number known when it was made; remembered, a later event
    /// would reuse it after the name got a number, and a collision with a numbered field of that name would be missed.
    /// </summary>
    [Fact]
    public void An_entry_the_cache_does_not_keep_is_not_remembered()
    {
        var cache = Cache(1);
        var memo = new PathMemo(cache);
        Assert.True(memo.Resolve(0, "a"u8).Kept);

        var pastBound = memo.Resolve(1, "b"u8);
        Assert.False(pastBound.Kept);
        Assert.NotSame(pastBound, memo.Resolve(1, "b"u8));
    }
}
