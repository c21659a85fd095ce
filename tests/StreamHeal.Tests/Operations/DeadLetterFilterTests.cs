using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Operations.Dlq;
using Xunit;
using static StreamHeal.Tests.Operations.DeadLetterRecords;

namespace StreamHeal.Tests.Operations;

public sealed class DeadLetterFilterTests
{
    [Theory]
    [InlineData("7", 7, 7)]
    [InlineData("10-20", 10, 20)]
    [InlineData("10-", 10, long.MaxValue)]
    [InlineData("-20", 0, 20)]
    [InlineData(" 3 - 4 ", 3, 4)]
    public void Offset_ranges_parse(string text, long from, long to)
    {
        Assert.True(OffsetRange.TryParse(text, out var range));
        Assert.Equal(new OffsetRange(from, to), range);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("20-10")]
    [InlineData("a-b")]
    [InlineData("-5-7")]
    [InlineData("1,2")]
    public void Bad_offset_ranges_do_not_parse(string text) => Assert.False(OffsetRange.TryParse(text, out _));

    [Property(MaxTest = 200)]
    public Property A_parsed_range_holds_exactly_the_offsets_between_its_ends() =>
        Prop.ForAll(Gen.Choose(0, 1000).Three().ToArbitrary(), static t =>
        {
            var (a, b, probe) = t;
            var (from, to) = (Math.Min(a, b), Math.Max(a, b));
            return OffsetRange.TryParse(string.Create(CultureInfo.InvariantCulture, $"{from}-{to}"), out var range)
                && range.Contains(probe) == (probe >= from && probe <= to);
        });

    [Fact]
    public void An_empty_filter_matches_everything()
    {
        Assert.True(DeadLetterFilter.All.Matches(Make(0)));
        Assert.True(DeadLetterFilter.All.Matches(Make(1, topic: null)));
    }

    [Fact]
    public void Each_condition_selects_on_its_own_header()
    {
        var record = Make(0, partition: 2, offset: 15, errorType: "invalid_json", stage: "decode", value: "{\"event\":\"broken\"");

        Assert.True(new DeadLetterFilter { ErrorType = "INVALID_JSON" }.Matches(record));
        Assert.False(new DeadLetterFilter { ErrorType = "too_deep" }.Matches(record));
        Assert.True(new DeadLetterFilter { Stage = "Decode" }.Matches(record));
        Assert.False(new DeadLetterFilter { Stage = "sink" }.Matches(record));
        Assert.True(new DeadLetterFilter { Partition = 2 }.Matches(record));
        Assert.False(new DeadLetterFilter { Partition = 1 }.Matches(record));
        Assert.True(new DeadLetterFilter { Offsets = new OffsetRange(10, 15) }.Matches(record));
        Assert.False(new DeadLetterFilter { Offsets = new OffsetRange(16, 20) }.Matches(record));
        Assert.True(new DeadLetterFilter { Contains = "broken" }.Matches(record));
        Assert.False(new DeadLetterFilter { Contains = "fixed" }.Matches(record));
        Assert.False(new DeadLetterFilter { ErrorType = "invalid_json", Partition = 1 }.Matches(record));
    }

    [Fact]
    public void Since_and_until_compare_the_failure_time_or_the_original_timestamp()
    {
        var at = DateTimeOffset.Parse("2026-12-06T08:00:00Z", CultureInfo.InvariantCulture);
        var record = Make(0, failedAt: at);

        Assert.True(new DeadLetterFilter { Since = at, Until = at }.Matches(record));
        Assert.False(new DeadLetterFilter { Since = at.AddSeconds(1) }.Matches(record));
        Assert.False(new DeadLetterFilter { Until = at.AddSeconds(-1) }.Matches(record));
        // The original timestamp is 1,700,000,000,000 ms (2023-11-14).
        var original = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        Assert.True(new DeadLetterFilter { TimeBasis = FilterTime.Original, Since = original, Until = original }.Matches(record));
        Assert.False(new DeadLetterFilter { TimeBasis = FilterTime.Original, Since = at }.Matches(record));
    }

    [Fact]
    public void Headers_are_parsed_and_malformed_ones_read_as_missing()
    {
        var record = Make(4, partition: 1, offset: 9, replayCount: 2);
        Assert.Equal(new OriginalPosition("events", 1, 9), record.Original);
        Assert.Equal(2, record.ReplayCount);
        Assert.Equal("events.dlq/0/4", record.DlqPosition);
        Assert.False(record.IsProbe);

        var manual = Make(5, topic: null, extra: [("streamheal.replay.count", "many")]);
        Assert.Null(manual.OriginalPartition);
        Assert.Equal(0, manual.ReplayCount);
        Assert.NotEqual(Make(6, topic: null).Original, manual.Original);
    }
}
