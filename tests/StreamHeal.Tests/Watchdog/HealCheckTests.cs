using StreamHeal.Watchdog;
using Xunit;

namespace StreamHeal.Tests.Watchdog;

public sealed class HealCheckTests
{
    // Stalled at the step: 200 records behind at offset 0, nothing committable, 500 rows of its topic finished.
    private static readonly PartitionSample AtStep = new("t", 1, Committable: -1, Lag: 200, Finished: 500, Position: 0, Unread: 200);

    private static Dictionary<(string Topic, int Partition), (PartitionSample Sample, bool Starved)> Stalled(bool starved = false) =>
        new() { [("t", 1)] = (AtStep, starved) };

    /// <summary>
    /// Regression: a new consumer's partition read from the beginning whose log start the brokers did not give, before
    /// its first fetch, has no read position and reads lag 0 from the client's empty cache. That was taken for caught
    /// up: the watchdog declared the stall healed and began its escalation again with another new consumer.
    /// </summary>
    [Fact]
    public void Lag_0_without_a_known_read_position_is_not_caught_up()
    {
        var unknown = AtStep with { Lag = 0, Position = -1, Unread = 0 };

        Assert.False(HealCheck.Moved(AtStep, unknown, starved: false));
        Assert.False(HealCheck.Progressed(Stalled(), [unknown, new PartitionSample("t", 0, 90, 0, 500, 90)]));
    }

    [Fact]
    public void Lag_0_at_a_known_read_position_is_caught_up()
    {
        var caughtUp = AtStep with { Lag = 0, Position = 200, Unread = 0 };

        Assert.True(HealCheck.Moved(AtStep, caughtUp, starved: false));
        Assert.True(HealCheck.Moved(AtStep, caughtUp, starved: true));
    }

    [Fact]
    public void A_committable_offset_of_the_new_assignment_moves_but_nothing_committed_yet_does_not()
    {
        Assert.True(HealCheck.Moved(AtStep, AtStep with { Committable = 12 }, starved: false));
        Assert.False(HealCheck.Moved(AtStep, AtStep, starved: false));
    }

    [Fact]
    public void A_stalled_partition_heals_by_its_topic_finishing_rows_but_a_starved_one_only_by_reading_past_where_it_stood()
    {
        var topicMoved = AtStep with { Finished = 600 };
        Assert.True(HealCheck.Moved(AtStep, topicMoved, starved: false));
        Assert.False(HealCheck.Moved(AtStep, topicMoved, starved: true));

        Assert.False(HealCheck.Moved(AtStep, AtStep with { Position = 0 }, starved: true));
        Assert.True(HealCheck.Moved(AtStep, AtStep with { Position = 40 }, starved: true));
    }

    [Fact]
    public void No_reading_is_no_heal_and_a_partition_now_owned_by_another_member_no_longer_counts()
    {
        Assert.False(HealCheck.Progressed(Stalled(), []));
        Assert.True(HealCheck.Progressed(Stalled(), [new PartitionSample("t", 0, 90, 10, 500, 80)]));
    }
}
