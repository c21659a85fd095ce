using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Operations.Groups;
using Xunit;

namespace StreamHeal.Tests.Operations;

public sealed class ResetTargetTests
{
    [Fact]
    public void Each_target_resolves_within_the_watermarks()
    {
        Assert.Equal(10, ResetTarget.Earliest.Resolve(50, 10, 100));
        Assert.Equal(100, ResetTarget.Latest.Resolve(50, 10, 100));
        Assert.Equal(42, ResetTarget.ToOffset(42).Resolve(50, 10, 100));
        Assert.Equal(100, ResetTarget.ToOffset(500).Resolve(50, 10, 100));
        Assert.Equal(10, ResetTarget.ToOffset(0).Resolve(50, 10, 100));
        Assert.Equal(40, ResetTarget.ShiftBy(-10).Resolve(50, 10, 100));
        Assert.Equal(100, ResetTarget.ShiftBy(+80).Resolve(50, 10, 100));
        Assert.Equal(15, ResetTarget.ShiftBy(5).Resolve(null, 10, 100));
        var time = ResetTarget.ToTimestamp(DateTimeOffset.UnixEpoch);
        Assert.Equal(33, time.Resolve(50, 10, 100, offsetForTime: 33));
        Assert.Equal(100, time.Resolve(50, 10, 100, offsetForTime: null));
    }

    // A shift past the end of a long wrapped around to a negative offset, which the clamp turned into the low
    // watermark: "skip everything" rewound the group to the start.
    [Fact]
    public void A_shift_too_large_for_a_long_goes_to_the_end_not_to_the_start()
    {
        Assert.Equal(100, ResetTarget.ShiftBy(long.MaxValue).Resolve(50, 10, 100));
        Assert.Equal(100, ResetTarget.ShiftBy(long.MaxValue - 5).Resolve(null, 10, 100));
        Assert.Equal(10, ResetTarget.ShiftBy(long.MinValue).Resolve(50, 10, 100));
        Assert.Equal(60, ResetTarget.ShiftBy(10).Resolve(50, 10, 100));
    }

    [Property(MaxTest = 200)]
    public Property A_reset_never_leaves_the_retained_range() =>
        Prop.ForAll(Gen.Choose(0, 1000).Three().ToArbitrary(), Gen.Choose(-2000, 2000).ToArbitrary(), static (t, delta) =>
        {
            var (a, b, committed) = t;
            var (low, high) = (Math.Min(a, b), Math.Max(a, b));
            return new[] { ResetTarget.Earliest, ResetTarget.Latest, ResetTarget.ToOffset(Math.Abs(delta)), ResetTarget.ShiftBy(delta) }
                .All(target => target.Resolve(committed, low, high) is var after && after >= low && after <= high);
        });

    [Theory]
    [InlineData("0,3,7", new[] { 0, 3, 7 })]
    [InlineData("2", new[] { 2 })]
    [InlineData(" 1 , 1 ", new[] { 1 })]
    public void Partition_lists_parse(string text, int[] expected)
    {
        Assert.True(ResetTarget.TryParsePartitions(text, out var partitions));
        Assert.Equal(expected, partitions.Order());
    }

    [Theory]
    [InlineData("")]
    [InlineData("0,,1")]
    [InlineData("-1")]
    [InlineData("a")]
    public void Bad_partition_lists_do_not_parse(string text) => Assert.False(ResetTarget.TryParsePartitions(text, out _));
}
