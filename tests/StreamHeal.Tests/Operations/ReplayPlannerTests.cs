using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.DeadLetter;
using StreamHeal.Operations.Dlq;
using Xunit;
using static StreamHeal.Tests.Operations.DeadLetterRecords;

namespace StreamHeal.Tests.Operations;

public sealed class ReplayPlannerTests
{
    [Fact]
    public void Repeats_of_one_original_record_are_replayed_once()
    {
        var planner = new ReplayPlanner(DeadLetterFilter.All, maxReplays: 3);

        Assert.Equal(ReplayVerdict.Replay, planner.Decide(Make(0, partition: 1, offset: 5)));
        Assert.Equal(ReplayVerdict.Replay, planner.Decide(Make(1, partition: 1, offset: 6)));
        Assert.Equal(ReplayVerdict.Repeat, planner.Decide(Make(2, partition: 1, offset: 5, errorType: "other")));
    }

    [Fact]
    public void Records_an_earlier_run_handled_make_their_repeats_skipped()
    {
        var planner = new ReplayPlanner(DeadLetterFilter.All, maxReplays: 3);
        planner.MarkHandled(Make(0, offset: 5));

        Assert.Equal(ReplayVerdict.Repeat, planner.Decide(Make(9, offset: 5)));
        Assert.Equal(ReplayVerdict.Replay, planner.Decide(Make(10, offset: 6)));
    }

    [Fact]
    public void Filter_max_replays_and_unreplayable_records_are_told_apart()
    {
        var planner = new ReplayPlanner(new DeadLetterFilter { ErrorType = "invalid_json" }, maxReplays: 3);

        Assert.Equal(ReplayVerdict.FilteredOut, planner.Decide(Make(0, offset: 1, errorType: "too_deep")));
        Assert.Equal(ReplayVerdict.Replay, planner.Decide(Make(1, offset: 2, replayCount: 2)));
        Assert.Equal(ReplayVerdict.OverMaxReplays, planner.Decide(Make(2, offset: 3, replayCount: 3)));
        Assert.Equal(ReplayVerdict.Unreplayable, planner.Decide(Make(3, offset: 4, truncated: true)));
        Assert.Equal(ReplayVerdict.Unreplayable, planner.Decide(Make(4, topic: null)));
        // A dead letter that lost its key's end or the record's own headers to the DLQ's limit is not the record either.
        Assert.Equal(ReplayVerdict.Unreplayable, planner.Decide(Make(5, offset: 7, extra: (DeadLetterHeaders.KeyTruncated, "900000"))));
        Assert.Equal(ReplayVerdict.Unreplayable, planner.Decide(Make(6, offset: 8, extra: (DeadLetterHeaders.HeadersDropped, "2"))));
        Assert.Equal(ReplayVerdict.Replay, new ReplayPlanner(DeadLetterFilter.All, 3, hasDestination: true).Decide(Make(4, topic: null)));
    }

    [Property(MaxTest = 200)]
    public Property Each_original_record_is_replayed_at_most_once_and_every_distinct_one_is() =>
        Prop.ForAll(Gen.Choose(0, 15).NonEmptyListOf().ToArbitrary(), static offsets =>
        {
            var planner = new ReplayPlanner(DeadLetterFilter.All, maxReplays: 3);
            var tally = new DeadLetterTally();
            var replayed = new List<long>();
            for (var i = 0; i < offsets.Count; i++)
            {
                var record = Make(i, offset: offsets[i]);
                tally.Add(record);
                if (planner.Decide(record) == ReplayVerdict.Replay)
                {
                    replayed.Add(offsets[i]);
                }
            }

            var distinct = offsets.Distinct().Count();
            return replayed.Count == distinct && replayed.Distinct().Count() == distinct
                && tally.Records == distinct && tally.Repeats == offsets.Count - distinct;
        });

    [Fact]
    public void Tally_counts_distinct_records_per_type_and_stage()
    {
        var tally = new DeadLetterTally();
        Assert.True(tally.Add(Make(0, offset: 1, errorType: "invalid_json")));
        Assert.False(tally.Add(Make(1, offset: 1, errorType: "invalid_json")));
        Assert.True(tally.Add(Make(2, offset: 2, errorType: "too_deep", stage: "decode")));

        Assert.Equal(2, tally.Records);
        Assert.Equal(1, tally.Repeats);
        Assert.Equal(1, tally.ByErrorType["invalid_json"]);
        Assert.Equal(2, tally.ByStage["decode"]);
    }

    [Fact]
    public void The_replayed_message_is_the_original_plus_where_it_came_from()
    {
        var message = ReplayMessage.Build(Make(7, offset: 3, replayCount: 1, value: "{\"a\":1}"));

        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(message.Value!));
        Assert.Equal("k", Encoding.UTF8.GetString(message.Key!));
        Assert.Equal("t-1", Encoding.UTF8.GetString(message.Headers.GetLastBytes("trace")));
        Assert.Equal("events.dlq/0/7", Encoding.UTF8.GetString(message.Headers.GetLastBytes(DeadLetterHeaders.ReplayOf)));
        Assert.Equal("2", Encoding.UTF8.GetString(message.Headers.GetLastBytes(DeadLetterHeaders.ReplayCount)));
        Assert.Equal(2, message.Headers.Count(static h => h.Key.StartsWith("streamheal.", StringComparison.Ordinal)));
        Assert.Equal(1_700_000_000_000, message.Timestamp.UnixTimestampMs);
    }
}
