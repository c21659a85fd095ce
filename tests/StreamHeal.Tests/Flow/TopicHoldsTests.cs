using StreamHeal.Flow;
using Xunit;

namespace StreamHeal.Tests.Flow;

public sealed class TopicHoldsTests
{
    [Fact]
    public void Holds_count_per_topic_and_a_topic_is_free_once_every_hold_is_released()
    {
        var holds = new TopicHolds();
        Assert.False(holds.IsHeld("a"));

        holds.Hold("a");
        holds.Hold("a");
        holds.Release("a");
        Assert.True(holds.IsHeld("a"));
        Assert.False(holds.IsHeld("b"));

        holds.Release("a");
        Assert.False(holds.IsHeld("a"));
    }

    [Fact]
    public void Changed_completes_at_each_hold_and_release_and_not_before()
    {
        var holds = new TopicHolds();
        var beforeHold = holds.Changed;
        Assert.False(beforeHold.IsCompleted);

        holds.Hold("a");
        Assert.True(beforeHold.IsCompleted);
        var beforeRelease = holds.Changed;
        Assert.False(beforeRelease.IsCompleted);

        holds.Release("a");
        Assert.True(beforeRelease.IsCompleted);
        Assert.False(holds.Changed.IsCompleted);
    }

    [Fact]
    public void Releasing_a_topic_that_is_not_held_changes_nothing()
    {
        var holds = new TopicHolds();
        var changed = holds.Changed;
        var version = holds.Version;

        holds.Release("a");

        Assert.False(changed.IsCompleted);
        Assert.Equal(version, holds.Version);
    }
}
