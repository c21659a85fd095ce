using StreamHeal.TestSupport;
using Confluent.Kafka;
using StreamHeal.DeadLetter;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.Operations;
using StreamHeal.Operations.Dlq;
using StreamHeal.Operations.Groups;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Operations;

/// <summary>
/// <c>offsets reset</c> against the mock cluster: refused while a member is live, then every variant read back from the
/// group's committed offsets with a plain consumer; and the whole loop an operator runs with a pipeline: replay until
/// <c>--max-replays</c> stops a record that always fails, reset to earliest, and no row written twice.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class OffsetOperationsTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private OperatorConnection Connection => new(kafka.BootstrapServers);

    private Dictionary<int, long> Committed(string group, string topic, int partitions)
    {
        using var reader = new ConsumerBuilder<Ignore, Ignore>(KafkaTestSettings.Consumer(kafka.BootstrapServers, group)).Build();
        return reader.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), KafkaTestSettings.Timeout)
            .ToDictionary(static c => c.Partition.Value, static c => c.Offset.Value);
    }

    private async Task ResetAsync(string group, string topic, ResetTarget target, IReadOnlySet<int>? partitions = null, int sessionTimeoutMs = 3_000)
    {
        // The mock makes a group that had members wait about a session timeout for them on every join; 3 s is its least.
        var resetter = new OffsetResetter(Connection, sessionTimeoutMs);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await resetter.ApplyAsync(group, topic, await resetter.PlanAsync(group, topic, target, partitions, CancellationToken.None), CancellationToken.None);
        }
        finally
        {
            output.WriteLine($"reset {target} took {stopwatch.Elapsed.TotalSeconds:0.0} s");
        }
    }

    [Fact]
    public async Task Reset_is_refused_while_a_member_is_live_and_each_variant_commits_what_it_says_after_it_left()
    {
        var topic = kafka.NewTopic("reset", 2);
        using (var producer = new ProducerBuilder<Null, string>(KafkaTestSettings.Producer(kafka.BootstrapServers)).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, i % 2), new Message<Null, string> { Value = $"v{i}" });
            }
        }

        var group = KafkaClusterFixture.NewGroupId("reset");
        var memberConfig = KafkaTestSettings.Consumer(kafka.BootstrapServers, group);
        memberConfig.SessionTimeoutMs = 3_000;
        using var member = new ConsumerBuilder<Ignore, Ignore>(memberConfig).Build();
        member.Subscribe(topic);
        using var stopMember = new CancellationTokenSource();
        var polling = Task.Run(() =>
        {
            while (!stopMember.IsCancellationRequested)
            {
                member.Consume(TimeSpan.FromMilliseconds(50));
            }
        });
        await Eventually.Until(() => member.Assignment.Count == 2, KafkaTestSettings.Timeout, "the live member owns both partitions");
        member.Commit([new TopicPartitionOffset(topic, 0, 5), new TopicPartitionOffset(topic, 1, 5)]);

        var refused = await Assert.ThrowsAsync<GroupHasMembersException>(() => ResetAsync(group, topic, ResetTarget.Earliest));
        Assert.Contains("Stop the service", refused.Message, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<int, long> { [0] = 5, [1] = 5 }, Committed(group, topic, 2));

        await stopMember.CancelAsync();
        await polling;
        member.Close();
        // The group that had a live member: once it left, the reset goes through.

        await ResetAsync(group, topic, ResetTarget.ShiftBy(-2));
        Assert.Equal(new Dictionary<int, long> { [0] = 3, [1] = 3 }, Committed(group, topic, 2));

        // Each variant on a group of its own that never had a member, so the mock forms it at once: committed at 5 and
        // 5 by a consumer that never joins, then reset, then read back.
        var expectations = new (ResetTarget Target, IReadOnlySet<int>? Partitions, long P0, long P1)[]
        {
            (ResetTarget.Earliest, null, 0, 0),
            (ResetTarget.Latest, null, 10, 10),
            (ResetTarget.ToOffset(3), null, 3, 3),
            (ResetTarget.ShiftBy(+2), null, 7, 7),
            (ResetTarget.Earliest, new HashSet<int> { 1 }, 5, 0),
            // No record at or after a time in the future: the broker answers no offset, and the reset goes to the end
            // (a real broker and the mock agree here; the mock answers no offset for any time).
            (ResetTarget.ToTimestamp(DateTimeOffset.UtcNow.AddDays(1)), null, 10, 10),
        };
        await Task.WhenAll(expectations.Select(async e =>
        {
            var variantGroup = KafkaClusterFixture.NewGroupId("variant");
            using (var committer = new ConsumerBuilder<Ignore, Ignore>(KafkaTestSettings.Consumer(kafka.BootstrapServers, variantGroup)).Build())
            {
                committer.Commit([new TopicPartitionOffset(topic, 0, 5), new TopicPartitionOffset(topic, 1, 5)]);
            }

            await ResetAsync(variantGroup, topic, e.Target, e.Partitions);
            var committed = Committed(variantGroup, topic, 2);
            Assert.True(
                committed[0] == e.P0 && committed[1] == e.P1,
                $"{e.Target} on {(e.Partitions is null ? "all partitions" : string.Join(",", e.Partitions))}: expected {e.P0},{e.P1}, committed {committed[0]},{committed[1]}");
        }));
    }

    [Fact]
    public async Task Replay_stops_at_max_replays_and_a_run_after_reset_to_earliest_writes_no_row_twice()
    {
        await using var scenario = new PipelineScenario(kafka, output, "loop", partitions: 1);
        using (var producer = new ProducerBuilder<Null, string>(KafkaTestSettings.Producer(kafka.BootstrapServers)).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                await producer.ProduceAsync(scenario.Topic, new Message<Null, string> { Value = $"{{\"id\":{i}}}" });
            }

            await producer.ProduceAsync(scenario.Topic, new Message<Null, string> { Value = "{\"id\":" });
        }

        await using var sink = scenario.OpenSink();
        var first = scenario.Start(sink);
        await PipelineScenario.WaitForDoneAsync(21, KafkaTestSettings.Timeout, first.Pipeline);
        var options = new ReplayOptions(scenario.Topic + ".dlq", scenario.Group + ".dlq-replay") { MaxReplays = 2 };
        for (var round = 1; round <= 2; round++)
        {
            var summary = await new DeadLetterReplayer(Connection, options, TimeProvider.System).RunAsync(null, CancellationToken.None);
            Assert.Equal(1, summary.Replayed);
            await Eventually.Until(() => first.Pipeline.Metrics.DeadLettered == 1 + round, KafkaTestSettings.Timeout, $"replay {round} dead-lettered again");
        }

        var stopped = await new DeadLetterReplayer(Connection, options, TimeProvider.System).RunAsync(null, CancellationToken.None);
        Assert.Equal((0L, 1L), (stopped.Replayed, stopped.SkippedOverMaxReplays));
        Assert.Equal(2, stopped.Skipped.Single().ReplayCount);

        await first.Stop.CancelAsync();
        await first.Running;
        await ResetAsync(scenario.Group, scenario.Topic, ResetTarget.Earliest, sessionTimeoutMs: KafkaTestSettings.SessionTimeoutMs);
        Assert.Equal(0, scenario.Committed()[0]);

        var second = scenario.Start(sink);
        await PipelineScenario.WaitForDoneAsync(23, KafkaTestSettings.Timeout, second.Pipeline);
        await second.Stop.CancelAsync();
        await second.Running;
        Assert.Equal((20L, 0L, 3L), (second.Pipeline.Metrics.AlreadyWritten, second.Pipeline.Metrics.Sunk, second.Pipeline.Metrics.DeadLettered));

        var (rows, deadLetters) = await scenario.ReadBackAsync();
        Assert.Equal(20, rows.Count);
        Assert.Equal(20, rows.Distinct().Count());
        // The poison record and its two replays, each dead-lettered twice (before and after the reset).
        Assert.Equal(6, deadLetters.Count);
        Assert.Equal(["0", "0", "1", "1", "2", "2"], deadLetters.Select(static d => d.Headers.GetValueOrDefault(DeadLetterHeaders.ReplayCount, "0")).Order());
    }
}
