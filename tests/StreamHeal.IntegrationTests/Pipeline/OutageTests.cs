using StreamHeal.TestSupport;
using System.Diagnostics;
using StreamHeal.Dev.Demo;
using StreamHeal.Dev.Kafka;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Kafka;
using StreamHeal.Pipeline;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Pipeline;

[Collection(KafkaCollection.Name)]
public sealed class OutageTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    // Refused sink calls watched during the outage: seconds of it at the test's retry settings (the breaker stays
    // open 1 s between attempts), and more on a slow machine.
    private const int OutageRetries = 4;

    [Fact]
    public async Task A_sink_outage_pauses_kafka_within_the_budget_and_loses_nothing_when_it_heals()
    {
        await using var scenario = new PipelineScenario(kafka, output, "backpressure", partitions: 32);
        var produced = await scenario.ProduceAsync(300_000, seed: 21);
        var settings = scenario.Settings() with
        {
            Pipeline = new PipelineOptions { InFlightRecords = 20_000, InFlightBytes = 16L * 1024 * 1024, StageCapacity = 1_000, DrainTimeout = TimeSpan.FromSeconds(20) },
        };
        settings.Kafka.Properties["statistics.interval.ms"] = "200";

        await using var sink = new FlakySink(scenario.OpenSink());
        var run = scenario.Start(sink, settings);
        await Eventually.Until(() => run.Pipeline.Metrics.Sunk > 5_000, TimeSpan.FromSeconds(60), "rows sunk before the outage");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = CurrentRss();
        sink.Down = true;

        // Watched from outside the pipeline: the broker's committed offsets and this process's resident memory.
        await Eventually.Until(() => run.Pipeline.Status.Paused && sink.Refused >= 3, TimeSpan.FromSeconds(60), "paused partitions while the sink refuses writes");
        // Offsets stored before the outage reach the broker with the next auto-commit (the client's statistics show
        // them committed); after that nothing may move.
        await Eventually.Until(
            () => KafkaStatisticsPartition.Of(run.Pipeline.KafkaStatistics, scenario.Topic) is { Count: > 0 } p && p.All(x => x.CommittedOffset == x.StoredOffset),
            TimeSpan.FromSeconds(30),
            "every stored offset committed");
        var committedAtPause = scenario.Committed();
        // Memory is watched while the pipeline keeps working against the outage (the sink is retried several more
        // times), however long that takes on a busy machine.
        var peak = baseline;
        var refusedAtPause = sink.Refused;
        var watch = Stopwatch.StartNew();
        await Eventually.Until(
            () =>
            {
                peak = Math.Max(peak, CurrentRss());
                return sink.Refused >= refusedAtPause + OutageRetries;
            },
            TimeSpan.FromSeconds(60),
            $"{OutageRetries} more refused sink calls during the outage");

        var committedDuringOutage = scenario.Committed();
        output.WriteLine($"RSS baseline {baseline / 1048576} MiB, peak during {watch.Elapsed.TotalSeconds:N1} s of outage {peak / 1048576} MiB; in flight {run.Pipeline.Status.InFlightRecords} records");
        // Dead letters acknowledged during the outage may still complete ranges; whether every committed step was
        // over dead letters only is checked once the DLQ is read back below.
        var unconsumed = (await TopicWatermarks.QueryAsync(scenario.BootstrapServers, scenario.Topic)).TotalCount - committedDuringOutage.Values.Sum(c => Math.Max(c, 0));
        output.WriteLine($"left in Kafka during the outage: {unconsumed} of {produced.Length}");
        Assert.True(unconsumed > produced.Length / 2, "most records must wait in Kafka, not in memory");
        Assert.True(peak - baseline < 100L * 1024 * 1024, $"resident memory grew by {(peak - baseline) / 1048576} MiB during the outage; 300k records (~100 MiB of values) must stay in Kafka");
        // The consumer's own position (librdkafka's statistics, not the pipeline's counters) is at most the budget
        // ahead of what the broker has committed: everything between the two is held in memory.
        await Eventually.Until(() => run.Pipeline.KafkaStatistics is not null, TimeSpan.FromSeconds(10), "Kafka client statistics");
        var ahead = PositionAheadOfCommitted(run.Pipeline.KafkaStatistics!, scenario.Topic, committedDuringOutage);
        output.WriteLine($"consumer position − committed offset: {ahead} records (budget {settings.Pipeline.InFlightRecords})");
        // Dead letters already acknowledged but behind a stuck row cannot be committed yet; they hold no memory.
        Assert.InRange(ahead, 1, settings.Pipeline.InFlightRecords + 1 + run.Pipeline.Metrics.DeadLettered);

        var writtenBeforeHeal = sink.Written.ToHashSet();
        sink.Down = false;
        await scenario.WaitForCommittedEndAsync(TimeSpan.FromMinutes(3));
        Assert.True(run.Pipeline.Metrics.SinkRetries >= 3);
        await run.Stop.CancelAsync();
        await run.Running;

        var (rows, deadLetters) = await scenario.ReadBackAsync();
        var dlqPositions = deadLetters.Select(d => (d.OriginalPartition, d.OriginalOffset)).ToHashSet();
        foreach (var (partition, atPause) in committedAtPause)
        {
            // A commit that moved during the outage may only have passed records that were durable by then: rows the
            // sink confirmed before it went down (a write still in flight at that moment completes, and its offsets
            // are committed a little later) and records that went to the DLQ.
            for (var offset = Math.Max(atPause, 0); offset < committedDuringOutage[partition]; offset++)
            {
                Assert.True(
                    dlqPositions.Contains((partition, offset)) || writtenBeforeHeal.Contains((partition, offset)),
                    $"committed past {partition}@{offset} during the sink outage, and it was neither written nor dead-lettered");
            }
        }

        var verdict = IngestionVerdict.Compute(produced, rows, dlqPositions.ToList());
        output.WriteLine($"verdict: {verdict}");
        PipelineScenario.AssertOk(verdict);
    }

    [Fact]
    public async Task Stopping_while_records_wait_in_sink_retry_and_in_the_dlq_path_loses_none()
    {
        await using var scenario = new PipelineScenario(kafka, output, "stop-in-retry", partitions: 4);
        // 2% poison: dead letters acknowledged behind the stuck rows are sent again by the second run (at least once),
        // and at 5% with 64 DLQ sends in flight the repeats of 70 KB poison overran the mock's 5 MiB per DLQ partition.
        var produced = await scenario.ProduceAsync(20_000, seed: 22, poisonShare: 0.02);
        var settings = scenario.Settings() with
        {
            Pipeline = new PipelineOptions { DrainTimeout = TimeSpan.FromSeconds(3), RevokeDrainTimeout = TimeSpan.FromSeconds(1) },
        };
        await using var sink = new FlakySink(scenario.OpenSink());

        var first = scenario.Start(sink, settings);
        await Eventually.Until(() => first.Pipeline.Metrics.DeadLettered > 20 && first.Pipeline.Metrics.Sunk > 1_000, TimeSpan.FromSeconds(60), "rows sunk and dead letters sent");
        sink.Down = true;
        // The DLQ broker now refuses produce requests (retriably), so dead letters stay in flight too.
        kafka.Cluster.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(Confluent.Kafka.ErrorCode.NotEnoughReplicas, 200).ToArray());
        try
        {
            await Eventually.Until(() => sink.Refused >= 2, TimeSpan.FromSeconds(30), "the sink retrying a batch");
            await first.Stop.CancelAsync();
            await first.Running;
            output.WriteLine($"first run: sunk {first.Pipeline.Metrics.Sunk}, dead-lettered {first.Pipeline.Metrics.DeadLettered}, in flight at stop {first.Pipeline.Status.InFlightRecords}");
            // Its drain timed out on purpose: what it left in flight is read again by the second run.
            scenario.Abandoned(first.Pipeline);
        }
        finally
        {
            kafka.Cluster.ClearRequestErrors(KafkaApiKey.Produce);
            sink.Down = false;
        }

        var second = scenario.Start(sink, settings);
        await scenario.WaitForCommittedEndAsync(TimeSpan.FromMinutes(2));
        await second.Stop.CancelAsync();
        await second.Running;

        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    private static long PositionAheadOfCommitted(string statistics, string topic, Dictionary<int, long> committed)
    {
        using var json = System.Text.Json.JsonDocument.Parse(statistics);
        long ahead = 0;
        foreach (var partition in json.RootElement.GetProperty("topics").GetProperty(topic).GetProperty("partitions").EnumerateObject())
        {
            var id = int.Parse(partition.Name, System.Globalization.CultureInfo.InvariantCulture);
            var position = partition.Value.GetProperty("app_offset").GetInt64();
            if (id >= 0 && position >= 0)
            {
                ahead += position - Math.Max(0, committed.GetValueOrDefault(id, 0));
            }
        }

        return ahead;
    }

    private static long CurrentRss()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
