using Confluent.Kafka;
using StreamHeal.Offsets;
using Xunit;

namespace StreamHeal.Tests.Offsets;

public sealed class OffsetTrackerTests
{
    private static readonly TopicPartition P0 = new("events", 0);
    private static readonly TopicPartition P1 = new("events", 1);

    [Fact]
    public void Generations_increase_across_partitions_and_reassignments()
    {
        var tracker = new OffsetTracker();

        var a = tracker.Assign(P0);
        var b = tracker.Assign(P1);
        var c = tracker.Assign(P0);

        Assert.True(a < b && b < c);
        Assert.False(tracker.IsCurrent(P0, a));
        Assert.True(tracker.IsCurrent(P0, c));
    }

    /// <summary>
    /// Regression: a consumer whose close was abandoned (replaced by the watchdog) revoked late and removed its
    /// successor's tracking, so nothing of the partition was stored or committed until the next restart.
    /// </summary>
    [Fact]
    public void A_late_revoke_of_an_earlier_assignment_leaves_the_current_one_tracked()
    {
        var tracker = new OffsetTracker();
        var old = tracker.Assign(P0);
        var current = tracker.Assign(P0);
        Assert.True(tracker.Register(P0, current, 10));
        Assert.True(tracker.Complete(P0, current, 10));

        Assert.Null(tracker.Revoke(P0, old));
        Assert.True(tracker.IsCurrent(P0, current));
        Assert.True(tracker.Register(P0, current, 11));
        Assert.Equal(11, tracker.CommittableOffset(P0));

        Assert.Equal(11, tracker.Revoke(P0, current));
        Assert.False(tracker.IsCurrent(P0, current));
    }

    [Fact]
    public void Tracks_partitions_independently()
    {
        var tracker = new OffsetTracker();
        var g0 = tracker.Assign(P0);
        var g1 = tracker.Assign(P1);
        tracker.Register(P0, g0, 0);
        tracker.Register(P0, g0, 1);
        tracker.Register(P1, g1, 100);

        Assert.True(tracker.Complete(P0, g0, 0));
        Assert.Equal(2, tracker.TotalPending);
        Assert.Equal(1, tracker.Pending(P0));
        Assert.Equal(
            [new TopicPartitionOffset(P0, 1), new TopicPartitionOffset(P1, 100)],
            tracker.CommittableOffsets().OrderBy(static o => o.Partition.Value));
        Assert.True(tracker.TryTakeAdvanced(P0, out var offset));
        Assert.Equal(1, offset);
        Assert.False(tracker.TryTakeAdvanced(P1, out _));
    }

    [Fact]
    public void Completions_after_revoke_are_stale_and_never_touch_the_new_assignment()
    {
        var tracker = new OffsetTracker();
        var old = tracker.Assign(P0);
        tracker.Register(P0, old, 5);
        tracker.Register(P0, old, 6);
        tracker.Complete(P0, old, 5);

        Assert.Equal(6, tracker.Revoke(P0));
        var current = tracker.Assign(P0);
        tracker.Register(P0, current, 6);

        Assert.False(tracker.Complete(P0, old, 6));
        Assert.Equal(1, tracker.StaleCompletions);
        Assert.Equal(1, tracker.Pending(P0));
        Assert.False(tracker.TryTakeAdvanced(P0, out _));
        Assert.False(tracker.Register(P0, old, 7));
    }

    [Fact]
    public void Revoking_an_unknown_partition_returns_null()
    {
        var tracker = new OffsetTracker();

        Assert.Null(tracker.Revoke(P0));
        Assert.Equal(0, tracker.Pending(P0));
        Assert.False(tracker.TryTakeAdvanced(P0, out _));
        Assert.False(tracker.Complete(P0, 1, 0));
        Assert.Equal(1, tracker.StaleCompletions);
    }
}
