using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Watchdog;
using Xunit;

namespace StreamHeal.Tests.Watchdog;

public sealed class StallDetectorTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(120);

    private static PartitionSample Sample(long committable, long lag, long finished = 0, int partition = 0) => new("events", partition, committable, lag, finished);

    [Fact]
    public void Lag_without_committed_progress_for_stall_after_is_a_stall_and_not_a_moment_before()
    {
        var detector = new StallDetector(StallAfter);
        Assert.Empty(detector.Observe([Sample(100, lag: 50)], explained: false, Start));
        Assert.Empty(detector.Observe([Sample(100, lag: 50)], explained: false, Start + StallAfter - TimeSpan.FromSeconds(1)));

        var stall = Assert.Single(detector.Observe([Sample(100, lag: 60)], explained: false, Start + StallAfter));
        Assert.Equal(("events", 0, 60L, StallAfter, Start), (stall.Topic, stall.Partition, stall.Lag, stall.StuckFor, stall.Since));
    }

    [Fact]
    public void A_caught_up_partition_or_one_whose_offset_moves_is_not_stalled()
    {
        var detector = new StallDetector(StallAfter);
        for (var i = 0; i <= 10; i++)
        {
            var now = Start + TimeSpan.FromMinutes(i);
            Assert.Empty(detector.Observe([Sample(100, lag: 0, partition: 0), Sample(100 + i, lag: 500, partition: 1)], explained: false, now));
        }
    }

    [Fact]
    public void A_known_outage_explains_the_stillness_and_the_clock_starts_again_after_it()
    {
        var detector = new StallDetector(StallAfter);
        detector.Observe([Sample(100, lag: 50)], explained: false, Start);
        Assert.Empty(detector.Observe([Sample(100, lag: 50)], explained: true, Start + TimeSpan.FromMinutes(10)));
        Assert.Empty(detector.Observe([Sample(100, lag: 50)], explained: false, Start + TimeSpan.FromMinutes(11)));
        Assert.Single(detector.Observe([Sample(100, lag: 50)], explained: false, Start + TimeSpan.FromMinutes(12)));
    }

    [Fact]
    public void Rows_still_written_for_the_topic_mean_a_slow_sink_not_a_stall()
    {
        var detector = new StallDetector(StallAfter);
        for (var i = 0; i <= 10; i++)
        {
            // Paused by the budget behind a slow sink: the offset waits on one long batch, but rows keep landing.
            Assert.Empty(detector.Observe([Sample(100, lag: 5_000, finished: 10 * i)], explained: false, Start + TimeSpan.FromMinutes(i)));
        }
    }

    private static PartitionSample Read(int partition, long position, long unread, long finished, bool paused = false) =>
        new("events", partition, position - 1, unread, finished, position, unread, paused);

    /// <summary>
    /// Regression: partition 1 is never read (its fetcher stopped) while partition 0 keeps the topic moving. The topic's
    /// finished rows restarted every clock, so it was never a stall and its records waited for good.
    /// </summary>
    [Fact]
    public void A_partition_not_read_while_its_sibling_is_is_starved_after_stall_after()
    {
        var detector = new StallDetector(StallAfter);
        for (var i = 0; i <= 12; i++)
        {
            var now = Start + TimeSpan.FromSeconds(10 * i);
            var stalls = detector.Observe([Read(0, position: 100 + (50 * i), unread: 20, finished: 50 * i), Read(1, position: 0, unread: 500, finished: 50 * i)], explained: false, now);
            if (i < 12)
            {
                Assert.Empty(stalls);
                continue;
            }

            var stall = Assert.Single(stalls);
            Assert.Equal((1, true, StallAfter, Start, 500L), (stall.Partition, stall.Starved, stall.StuckFor, stall.Since, stall.Lag));
        }
    }

    [Fact]
    public void A_partition_held_back_by_the_loop_or_not_read_while_nothing_is_read_or_with_nothing_to_read_is_not_starved()
    {
        var paused = new StallDetector(StallAfter);
        var blocked = new StallDetector(StallAfter);
        var idle = new StallDetector(StallAfter);
        var moving = new StallDetector(StallAfter);
        for (var i = 0; i <= 30; i++)
        {
            var now = Start + TimeSpan.FromSeconds(10 * i);
            // Paused by the budget at every check while its sibling was read in between.
            Assert.Empty(paused.Observe([Read(0, 100 + i, 20, finished: i), Read(1, 0, 500, finished: i, paused: true)], explained: false, now));
            // A blocked loop (a slow sink, decode full): rows land, but no position moves.
            Assert.Empty(blocked.Observe([Read(0, 100, 20, finished: i), Read(1, 0, 500, finished: i)], explained: false, now));
            // Caught up: nothing unread, however long the sibling is read.
            Assert.Empty(idle.Observe([Read(0, 100 + i, 20, finished: i), Read(1, 7, 0, finished: i)], explained: false, now));
            // Read slowly but read.
            Assert.Empty(moving.Observe([Read(0, 100 + i, 20, finished: i), Read(1, i / 5, 500, finished: i)], explained: false, now));
        }
    }

    [Fact]
    public void A_restart_gives_every_partition_a_whole_window_again_and_a_revoked_partition_is_forgotten()
    {
        var detector = new StallDetector(StallAfter);
        detector.Observe([Sample(100, lag: 50, partition: 0), Sample(7, lag: 50, partition: 1)], explained: false, Start);
        Assert.Equal(2, detector.Observe([Sample(100, lag: 50, partition: 0), Sample(7, lag: 50, partition: 1)], explained: false, Start + StallAfter).Count);

        detector.Restart();
        Assert.Empty(detector.Observe([Sample(100, lag: 50, partition: 0)], explained: false, Start + StallAfter + TimeSpan.FromSeconds(1)));
        Assert.Empty(detector.Observe([Sample(100, lag: 50, partition: 0)], explained: false, Start + StallAfter + TimeSpan.FromSeconds(2)));

        // Partition 1 was revoked in between: back, it starts a new window.
        Assert.Equal(
            [0],
            detector.Observe([Sample(100, lag: 50, partition: 0), Sample(7, lag: 50, partition: 1)], explained: false, Start + (2 * StallAfter) + TimeSpan.FromSeconds(1)).Select(static s => s.Partition));
    }

    [Property(MaxTest = 300)]
    public Property A_partition_whose_committed_offset_moves_at_every_check_is_never_stalled() =>
        Prop.ForAll(
            Gen.ListOf(Gen.Choose(0, int.MaxValue).Select(static x => (Seconds: 1 + (x % 600), Lag: x / 600 % 100_000, Explained: x % 2 == 0))).ToArbitrary(),
            checks =>
            {
                var detector = new StallDetector(TimeSpan.FromSeconds(30));
                var now = Start;
                long committable = 0;
                foreach (var (seconds, lag, explained) in checks)
                {
                    now += TimeSpan.FromSeconds(seconds);
                    committable += 1 + (lag % 7);
                    if (detector.Observe([Sample(committable, lag)], explained, now).Count > 0)
                    {
                        return false;
                    }
                }

                return true;
            });

    [Property(MaxTest = 300)]
    public Property A_partition_with_lag_and_no_progress_is_stalled_exactly_once_stall_after_has_passed() =>
        Prop.ForAll(
            Gen.ListOf(Gen.Choose(1, 90)).ToArbitrary(),
            steps =>
            {
                var detector = new StallDetector(TimeSpan.FromSeconds(120));
                var now = Start;
                detector.Observe([Sample(5, 10)], explained: false, now);
                foreach (var seconds in steps)
                {
                    now += TimeSpan.FromSeconds(seconds);
                    var stalled = detector.Observe([Sample(5, 10)], explained: false, now).Count == 1;
                    if (stalled != (now - Start >= TimeSpan.FromSeconds(120)))
                    {
                        return false;
                    }
                }

                return true;
            });
}
