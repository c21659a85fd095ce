using StreamHeal.DeadLetter;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.Kafka;
using StreamHeal.Operations;
using StreamHeal.Operations.Dlq;
using Xunit;
using static StreamHeal.IntegrationTests.Operations.DeadLetterTopic;

namespace StreamHeal.IntegrationTests.Operations;

/// <summary>
/// <c>dlq inspect</c> and <c>dlq replay</c> through the library, against the mock cluster, with kcat as the independent
/// reader of what was replayed.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class DeadLetterOperationsTests(KafkaClusterFixture kafka)
{
    // 10 dead letters of 8 original records: (0,3) and (1,4) failed twice (a crash between DLQ produce and commit).
    private static readonly Letter[] Letters =
    [
        new(0, 1, "invalid_json", Value: "{\"event\":\"broken\""), new(0, 2, "invalid_json"), new(0, 3, "too_deep"), new(0, 3, "too_deep"),
        new(1, 1, "invalid_utf8"), new(1, 4, "invalid_json", Value: "{\"event\":\"broken\",\"n\":"), new(1, 4, "invalid_json", Value: "{\"event\":\"broken\",\"n\":"),
        new(1, 5, "row_rejected", Stage: "sink"), new(1, 6, "row_rejected", Stage: "sink"), new(1, 7, "too_deep"),
    ];

    private OperatorConnection Connection => new(kafka.BootstrapServers);

    private async Task<(string Source, string Dlq)> NewDlqAsync(string name, IEnumerable<Letter> letters)
    {
        var source = kafka.NewTopic(name, 2);
        var dlq = source + ".dlq";
        kafka.Cluster.CreateTopic(dlq, 2);
        await ProduceAsync(kafka.BootstrapServers, dlq, source, letters);
        return (source, dlq);
    }

    private async Task<(DeadLetterTally Tally, long Read, long Probes)> InspectAsync(string dlq, DeadLetterFilter filter)
    {
        using var scan = DeadLetterScan.Open(Connection, dlq, "inspect-test");
        var tally = new DeadLetterTally();
        long read = 0;
        await foreach (var record in scan.ReadAsync())
        {
            read++;
            if (filter.Matches(record))
            {
                tally.Add(record);
            }
        }

        return (tally, read, scan.Probes);
    }

    [Fact]
    public async Task Inspect_counts_and_filters_match_the_dlq_and_change_nothing()
    {
        var (_, dlq) = await NewDlqAsync("inspect", Letters);

        var all = await InspectAsync(dlq, DeadLetterFilter.All);
        // kcat sees the same topic: the 10 dead letters and the probe record.
        Assert.Equal(11, (await ReadWithKcatAsync(kafka.BootstrapServers, dlq)).Count);
        Assert.Equal((10, 1), (all.Read, all.Probes));
        Assert.Equal((8, 2), (all.Tally.Records, all.Tally.Repeats));
        Assert.Equal(new Dictionary<string, long> { ["invalid_json"] = 3, ["invalid_utf8"] = 1, ["row_rejected"] = 2, ["too_deep"] = 2 }, all.Tally.ByErrorType);
        Assert.Equal(new Dictionary<string, long> { ["decode"] = 6, ["sink"] = 2 }, all.Tally.ByStage);

        Assert.Equal(3, (await InspectAsync(dlq, new DeadLetterFilter { ErrorType = "invalid_json" })).Tally.Records);
        Assert.Equal(2, (await InspectAsync(dlq, new DeadLetterFilter { Stage = "sink" })).Tally.Records);
        Assert.Equal(5, (await InspectAsync(dlq, new DeadLetterFilter { Partition = 1 })).Tally.Records);
        Assert.Equal(3, (await InspectAsync(dlq, new DeadLetterFilter { Partition = 1, Offsets = new OffsetRange(4, 6) })).Tally.Records);
        Assert.Equal(2, (await InspectAsync(dlq, new DeadLetterFilter { Contains = "broken" })).Tally.Records);
        Assert.Equal(0, (await InspectAsync(dlq, new DeadLetterFilter { Since = DateTimeOffset.UtcNow.AddHours(1) })).Tally.Records);

        // Reading never commits: the inspect group has no offsets on the DLQ.
        var report = await new StreamHeal.Operations.Groups.GroupOffsets(Connection).ShowAsync("inspect-test", dlq, CancellationToken.None);
        Assert.False(report.HasCommits);
    }

    [Fact]
    public async Task Replay_dry_run_changes_nothing_then_replay_sends_each_record_once_and_a_second_replay_nothing()
    {
        var (source, dlq) = await NewDlqAsync("replay", Letters);
        var group = KafkaClusterFixture.NewGroupId("replay");
        var options = new ReplayOptions(dlq, group) { Filter = new DeadLetterFilter { Stage = "decode" } };

        var dry = await new DeadLetterReplayer(Connection, options with { DryRun = true }, TimeProvider.System).RunAsync(null, CancellationToken.None);
        Assert.Equal((6L, 2L, 2L), (dry.Replayed, dry.SkippedByFilter, dry.Repeats));
        Assert.Equal(0, (await TopicWatermarks.QueryAsync(kafka.BootstrapServers, source)).TotalCount);
        Assert.False((await new StreamHeal.Operations.Groups.GroupOffsets(Connection).ShowAsync(group, dlq, CancellationToken.None)).HasCommits);

        var first = await new DeadLetterReplayer(Connection, options, TimeProvider.System).RunAsync(null, CancellationToken.None);
        Assert.Equal((6L, 2L, 2L, 0L), (first.Replayed, first.SkippedByFilter, first.Repeats, first.Failed));
        var replayed = await ReadWithKcatAsync(kafka.BootstrapServers, source);
        Assert.Equal(6, replayed.Count);
        Assert.All(replayed, r => Assert.Equal("1", r.Headers[DeadLetterHeaders.ReplayCount]));
        Assert.All(replayed, r => Assert.DoesNotContain(DeadLetterHeaders.ErrorType, r.Headers.Keys));
        Assert.Equal(6, replayed.Select(r => r.Headers["trace"]).Distinct().Count());
        Assert.Contains(replayed, r => r.Value == "{\"event\":\"broken\"" && r.Headers["trace"] == "t-0-1");

        // The same filter again: what it replayed is handled; the two sink records it skipped are skipped again, not handled.
        var second = await new DeadLetterReplayer(Connection, options, TimeProvider.System).RunAsync(null, CancellationToken.None);
        Assert.Equal((0L, 8L, 2L), (second.Replayed, second.AlreadyHandled, second.SkippedByFilter));
        Assert.Equal(6, (await TopicWatermarks.QueryAsync(kafka.BootstrapServers, source)).TotalCount);
    }

    [Fact]
    public async Task Replays_with_different_filters_each_replay_their_records_and_rerunning_either_replays_nothing()
    {
        var (source, dlq) = await NewDlqAsync("filters", Letters);
        var group = KafkaClusterFixture.NewGroupId("filters");
        var decode = new ReplayOptions(dlq, group) { Filter = new DeadLetterFilter { Stage = "decode" } };
        var sink = new ReplayOptions(dlq, group) { Filter = new DeadLetterFilter { Stage = "sink" } };
        async Task<ReplaySummary> Run(ReplayOptions options) => await new DeadLetterReplayer(Connection, options, TimeProvider.System).RunAsync(null, CancellationToken.None);

        Assert.Equal(6, (await Run(decode)).Replayed);
        var sinkRun = await Run(sink);
        Assert.Equal((2L, 0L, 0L), (sinkRun.Replayed, sinkRun.Failed, sinkRun.Repeats));
        var replayed = await ReadWithKcatAsync(kafka.BootstrapServers, source);
        Assert.Equal(8, replayed.Count);
        Assert.Equal(8, replayed.Select(static r => r.Headers["trace"]).Distinct().Count());
        Assert.Equal(2, replayed.Count(static r => r.Headers["trace"] is "t-1-5" or "t-1-6"));

        Assert.Equal(0, (await Run(decode)).Replayed);
        Assert.Equal(0, (await Run(sink)).Replayed);
        // Without a filter every record is settled: handled, or a repeat of a handled one; the group reaches the end.
        var all = await Run(new ReplayOptions(dlq, group));
        Assert.Equal((0L, 0L), (all.Replayed, all.SkippedByFilter));
        Assert.Equal(10, all.AlreadyHandled + all.Repeats);
        Assert.Equal(8, (await TopicWatermarks.QueryAsync(kafka.BootstrapServers, source)).TotalCount);
        var last = await Run(new ReplayOptions(dlq, group));
        Assert.Equal((0L, 10L), (last.Replayed, last.AlreadyHandled));
        var offsets = await new StreamHeal.Operations.Groups.GroupOffsets(Connection).ShowAsync(group, dlq, CancellationToken.None);
        Assert.Equal(0, offsets.TotalLag);

        // Each replayed record has one marker in the DLQ, which inspect skips.
        var markers = (await ReadWithKcatAsync(kafka.BootstrapServers, dlq)).Where(static r => r.Headers.ContainsKey(DeadLetterHeaders.Replayed)).ToList();
        Assert.Equal(8, markers.Count);
        Assert.Equal(8, markers.Select(static m => m.Headers[DeadLetterHeaders.Replayed]).Distinct().Count());
        Assert.Equal((10, 8), ((await InspectAsync(dlq, DeadLetterFilter.All)).Read, (await InspectAsync(dlq, DeadLetterFilter.All)).Tally.Records));
    }

    [Fact]
    public async Task A_later_dead_letter_of_a_replayed_record_in_another_partition_is_a_repeat_whatever_the_read_order()
    {
        // DLQ partition 1: 300 records, then X (original 0/7), all replayed by the first run and inside its committed
        // prefix. Then the service dead-letters X again (a reset backwards, at-least-once) into partition 0, which the
        // second run reads long before it reaches X in partition 1.
        // 4 KB values make partition 1 longer than one fetch (1 MB per partition), so its end comes after partition 0.
        var bulk = "{" + new string('x', 4_096);
        var first = Enumerable.Range(0, 300).Select(i => new Letter(0, 1_000 + i, "invalid_json", Value: bulk, DlqPartition: 1))
            .Append(new Letter(0, 7, "invalid_json", DlqPartition: 1));
        var (source, dlq) = await NewDlqAsync("repeat", first);
        var group = KafkaClusterFixture.NewGroupId("repeat");
        var options = new ReplayOptions(dlq, group);
        var run1 = await new DeadLetterReplayer(Connection, options, TimeProvider.System).RunAsync(null, CancellationToken.None);
        Assert.Equal((301L, 0L), (run1.Replayed, run1.Repeats));

        await ProduceAsync(kafka.BootstrapServers, dlq, source, [new Letter(0, 7, "invalid_json", DlqPartition: 0)], withProbe: false);
        var run2 = await new DeadLetterReplayer(Connection, options, TimeProvider.System).RunAsync(null, CancellationToken.None);

        Assert.Equal((0L, 1L), (run2.Replayed, run2.Repeats));
        Assert.Equal(301, (await TopicWatermarks.QueryAsync(kafka.BootstrapServers, source)).TotalCount);
    }

    [Fact]
    public async Task An_interrupted_replay_resumes_and_every_record_arrives_exactly_once()
    {
        var letters = Enumerable.Range(0, 30).Select(i => new Letter(i % 2, i, "invalid_json")).ToList();
        letters.Add(new Letter(0, 4, "invalid_json"));
        var (source, dlq) = await NewDlqAsync("resume", letters);
        var options = new ReplayOptions(dlq, KafkaClusterFixture.NewGroupId("resume")) { Rate = 200 };

        using var stop = new CancellationTokenSource();
        var cut = await new DeadLetterReplayer(Connection, options, TimeProvider.System).RunAsync(
            new SynchronousProgress(p =>
            {
                if (p.Replayed >= 10)
                {
                    stop.Cancel();
                }
            }),
            stop.Token);
        Assert.True(cut.Interrupted);
        Assert.InRange(cut.Replayed, 10, 29);

        var rest = await new DeadLetterReplayer(Connection, options, TimeProvider.System).RunAsync(null, CancellationToken.None);
        Assert.False(rest.Interrupted);
        Assert.Equal(30, cut.Replayed + rest.Replayed);
        var replayed = await ReadWithKcatAsync(kafka.BootstrapServers, source);
        Assert.Equal(30, replayed.Count);
        Assert.Equal(30, replayed.Select(r => r.Headers["trace"]).Distinct().Count());
    }

    private sealed class SynchronousProgress(Action<ReplayProgress> report) : IProgress<ReplayProgress>
    {
        public void Report(ReplayProgress value) => report(value);
    }
}
