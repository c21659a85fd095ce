using StreamHeal.Offsets;
using Xunit;

namespace StreamHeal.Tests.Offsets;

public sealed class PartitionOffsetTrackerTests
{
    [Fact]
    public void Nothing_is_committable_before_registration()
    {
        var tracker = new PartitionOffsetTracker();

        Assert.Null(tracker.CommittableOffset);
        Assert.False(tracker.TryTakeAdvanced(out _));
        Assert.Equal(0, tracker.Pending);
    }

    [Fact]
    public void Committable_is_the_first_incomplete_offset_then_last_plus_one()
    {
        var tracker = new PartitionOffsetTracker();
        foreach (var offset in new long[] { 10, 11, 12, 15, 20 })
        {
            tracker.Register(offset);
        }

        Assert.Equal(10, tracker.CommittableOffset);
        Assert.True(tracker.Complete(12));
        Assert.True(tracker.Complete(11));
        Assert.Equal(10, tracker.CommittableOffset);
        Assert.True(tracker.Complete(10));
        Assert.Equal(15, tracker.CommittableOffset);
        Assert.True(tracker.Complete(20));
        Assert.Equal(15, tracker.CommittableOffset);
        Assert.True(tracker.Complete(15));
        Assert.Equal(21, tracker.CommittableOffset);
        Assert.Equal(0, tracker.Pending);
    }

    [Fact]
    public void Unknown_duplicate_and_gap_offsets_are_not_completed()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.Register(5);
        tracker.Register(7);

        Assert.False(tracker.Complete(6));
        Assert.False(tracker.Complete(4));
        Assert.False(tracker.Complete(8));
        Assert.True(tracker.Complete(7));
        Assert.False(tracker.Complete(7));
        Assert.True(tracker.Complete(5));
        Assert.False(tracker.Complete(5));
        Assert.Equal(8, tracker.CommittableOffset);
    }

    [Fact]
    public void Register_rejects_offsets_that_do_not_increase()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.Register(3);

        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.Register(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.Register(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PartitionOffsetTracker().Register(-1));
    }

    [Fact]
    public void TryTakeAdvanced_reports_each_advance_once()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.Register(0);
        tracker.Register(1);

        Assert.False(tracker.TryTakeAdvanced(out _));
        tracker.Complete(1);
        Assert.False(tracker.TryTakeAdvanced(out _));
        tracker.Complete(0);
        Assert.True(tracker.TryTakeAdvanced(out var offset));
        Assert.Equal(2, offset);
        Assert.False(tracker.TryTakeAdvanced(out _));
    }

    [Fact]
    public void Close_returns_the_final_offset_and_ignores_later_completions()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.Register(0);
        tracker.Register(1);
        tracker.Complete(0);

        Assert.Equal(1, tracker.Close());
        Assert.False(tracker.Complete(1));
        Assert.True(tracker.IsClosed);
        Assert.Throws<InvalidOperationException>(() => tracker.Register(2));
    }

    [Fact]
    public void Ring_grows_wraps_and_shrinks_across_many_offsets()
    {
        var tracker = new PartitionOffsetTracker();
        var next = 0L;
        for (var round = 0; round < 3; round++)
        {
            var first = next;
            for (var i = 0; i < 10_000; i++)
            {
                tracker.Register(next);
                next += 1 + (i % 3 == 0 ? 2 : 0);
            }

            // Complete newest first so nothing is dropped until the head finishes.
            var registered = new List<long>();
            for (var o = first; o < next; o++)
            {
                registered.Add(o);
            }

            for (var i = registered.Count - 1; i >= 0; i--)
            {
                tracker.Complete(registered[i]);
            }

            Assert.Equal(0, tracker.Pending);
            Assert.Equal(next - 2, tracker.CommittableOffset);
        }
    }

    [Fact]
    public void Concurrent_completion_reaches_last_plus_one()
    {
        const int Count = 20_000;
        var tracker = new PartitionOffsetTracker();
        for (var i = 0; i < Count; i++)
        {
            tracker.Register(i * 2L);
        }

        Parallel.For(0, Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => tracker.Complete((Count - 1 - i) * 2L));

        Assert.Equal(0, tracker.Pending);
        Assert.Equal(((Count - 1) * 2L) + 1, tracker.CommittableOffset);
    }
}
