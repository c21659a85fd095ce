using StreamHeal.TestSupport;
using StreamHeal.DeadLetter;
using StreamHeal.Dev.Demo;
using StreamHeal.Dev.BigQuery;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Kafka;
using StreamHeal.Sink.BigQuery;
using Xunit;
using Xunit.Abstractions;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>
/// Only the pipeline runs in a child process (<c>streamheal run</c>); the mock cluster and the fake BigQuery stay here.
/// Events are produced steadily while the child is killed with SIGKILL at random moments and restarted, ten times.
/// </summary>
[Trait(FaultMatrix.Trait, FaultMatrix.Value)]
[Collection(KafkaCollection.Name)]
public sealed class BigQueryChaosTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private const int Kills = 10;
    private const int Partitions = 6;

    [Fact]
    public async Task Exactly_once_survives_ten_sigkills_with_every_row_written_once()
    {
        var (verdict, rows, killsInFlight) = await RunChaosAsync(BigQuerySinkOptions.ExactlyOnce);

        Assert.Equal(0, verdict.Missing);
        Assert.Equal(0, verdict.Duplicates);
        Assert.Equal(verdict.Produced, verdict.Sunk + verdict.DeadLettered);
        Assert.True(killsInFlight * 2 >= Kills, $"only {killsInFlight} of {Kills} kills landed while an append was in flight");
        Assert.True(rows > 0);
    }

    [Fact]
    public async Task At_least_once_survives_ten_sigkills_with_nothing_missing_and_duplicates_counted()
    {
        var (verdict, _, killsInFlight) = await RunChaosAsync(BigQuerySinkOptions.AtLeastOnce);

        output.WriteLine($"at-least-once: {verdict.Duplicates} duplicate rows after {Kills} kills ({killsInFlight} during an append)");
        Assert.Equal(0, verdict.Missing);
        Assert.True(killsInFlight * 2 >= Kills, $"only {killsInFlight} of {Kills} kills landed while an append was in flight");
    }

    private async Task<(IngestionVerdict Verdict, int Rows, int KillsInFlight)> RunChaosAsync(string delivery)
    {
        await using var scenario = new PipelineScenario(kafka, output, "bq-chaos", Partitions);
        // A slow append keeps one in flight most of the time, as a busy BigQuery does.
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Faults.AppendLatency = TimeSpan.FromMilliseconds(250);
        var options = BigQuerySinkScope.For(fake, delivery);
        kafka.Cluster.CreateTopic(options.CheckpointTopicFor(scenario.Group), 1);
        var tablePath = options.TablePath(scenario.Table);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"{delivery}: random seed {seed}");
        var config = await WriteConfigAsync(scenario, fake, options, delivery);

        var produced = new List<(int Partition, long Offset)>();
        using var stopProducing = new CancellationTokenSource();
        var producing = ProduceSteadilyAsync(scenario, seed, produced, () => fake.Store.RowRecordsOf(tablePath).Count, stopProducing.Token);

        var logs = new List<string>();
        var killsInFlight = 0;
        for (var kill = 1; kill <= Kills; kill++)
        {
            await using var child = ChildProcess.Start("dotnet", HostExecutable.Dll, "run", "--config", config);
            var before = fake.Store.RowRecordsOf(tablePath).Count;
            await Eventually.Until(
                () => child.HasExited || fake.Store.RowRecordsOf(tablePath).Count > before,
                TimeSpan.FromSeconds(60),
                $"run {kill} writing rows; stderr: {child.StandardError}");
            Assert.False(child.HasExited, $"run {kill} exited: {child.StandardOutput}\n{child.StandardError}");
            // A random moment to kill at is the experiment, not a wait for a condition; then, within a few seconds,
            // one when an append is in flight, so that most kills land mid-append however slow the machine is.
            await Task.Delay(random.Next(300, 2_500));
            await Eventually.Until(() => child.HasExited || fake.Appends.InFlight > 0, TimeSpan.FromSeconds(10), $"run {kill}: an append in flight")
                .ContinueWith(static _ => { }, TaskScheduler.Default);
            var at = DateTimeOffset.UtcNow;
            await child.KillAsync();
            logs.Add($"--- run {kill}\n{child.StandardOutput}");
            var inFlight = fake.Appends.WasInFlightAt(at);
            killsInFlight += inFlight ? 1 : 0;
            output.WriteLine($"kill {kill} at {at:HH:mm:ss.fff}: rows {fake.Store.RowRecordsOf(tablePath).Count}, append in flight: {inFlight}");
        }

        await stopProducing.CancelAsync();
        await producing;
        await using (var child = ChildProcess.Start("dotnet", HostExecutable.Dll, "run", "--config", config))
        {
            await scenario.WaitForCommittedEndAsync(TimeSpan.FromMinutes(3));
            child.Terminate();
            Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            output.WriteLine(child.StandardOutput.Split('\n').LastOrDefault(l => l.Contains("status:", StringComparison.Ordinal)) ?? "");
            logs.Add($"--- final run\n{child.StandardOutput}");
        }

        Assert.Empty((await TopicWatermarks.QueryAsync(scenario.BootstrapServers, scenario.Topic)).DroppedByRetention());
        Assert.Empty((await TopicWatermarks.QueryAsync(scenario.BootstrapServers, scenario.Topic + ".dlq")).DroppedByRetention());
        var dlq = DeadLetterReader.ReadAll(scenario.BootstrapServers, scenario.Topic + ".dlq", TimeSpan.FromSeconds(60));
        var rows = fake.Store.RowRecordsOf(tablePath);
        var verdict = Verdict(scenario, fake, tablePath, produced);
        output.WriteLine($"{delivery}: kills during an append: {killsInFlight}/{Kills}");
        if (verdict.Missing > 0)
        {
            var present = rows.Select(r => ((int)Convert.ToInt64(r.Values[ReservedColumns.KafkaPartition]), Convert.ToInt64(r.Values[ReservedColumns.KafkaOffset])))
                .Concat(dlq.Select(d => (d.OriginalPartition, d.OriginalOffset))).ToHashSet();
            foreach (var missing in produced.Where(p => !present.Contains(p)).Take(20))
            {
                var neighbours = rows.Where(r => Convert.ToInt64(r.Values[ReservedColumns.KafkaPartition]) == missing.Partition
                    && Math.Abs(Convert.ToInt64(r.Values[ReservedColumns.KafkaOffset]) - missing.Offset) <= 2)
                    .Select(r => $"{r.Values[ReservedColumns.KafkaOffset]}@{r.Stream[^6..]}#{r.StreamOffset}");
                output.WriteLine($"missing {missing.Partition}/{missing.Offset}; nearby rows: {string.Join(", ", neighbours)}");
            }

            var first = produced.First(p => !present.Contains(p));
            var partition = first.Partition;
            using (var reader = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(KafkaTestSettings.Consumer(scenario.BootstrapServers, "chaos-diagnostics")).Build())
            {
                reader.Assign(new Confluent.Kafka.TopicPartitionOffset(scenario.Topic, first.Partition, first.Offset));
                var message = reader.Consume(TimeSpan.FromSeconds(10));
                var value = message?.Message.Value is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "(null)";
                output.WriteLine($"the missing record {first.Partition}/{first.Offset}: {value.Length} chars: {value[..Math.Min(200, value.Length)]}");
            }

            foreach (var line in logs.SelectMany(l => l.Split('\n')).Where(l => l.StartsWith("---", StringComparison.Ordinal) || l.Contains($"partition {partition}:", StringComparison.Ordinal) || l.Contains("ssigned", StringComparison.Ordinal)))
            {
                output.WriteLine(line);
            }
        }

        return (verdict, rows.Count, killsInFlight);
    }

    /// <summary>
    /// Two replicas of one group share the partitions while appends are slow: a second member joins (partitions move
    /// away from the first while its appends are in flight), then the first leaves and the second takes everything
    /// over. Both write in the moves; every (partition, offset) must still be in the table exactly once.
    /// </summary>
    [Fact]
    public async Task Two_members_moving_partitions_during_in_flight_appends_write_every_row_once()
    {
        await using var scenario = new PipelineScenario(kafka, output, "bq-owners", Partitions);
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Faults.AppendLatency = TimeSpan.FromMilliseconds(250);
        var options = BigQuerySinkScope.For(fake, BigQuerySinkOptions.ExactlyOnce);
        kafka.Cluster.CreateTopic(options.CheckpointTopicFor(scenario.Group), 1);
        var tablePath = options.TablePath(scenario.Table);
        var config = await WriteConfigAsync(scenario, fake, options, BigQuerySinkOptions.ExactlyOnce);
        var produced = new List<(int Partition, long Offset)>();
        using var stopProducing = new CancellationTokenSource();
        var producing = ProduceSteadilyAsync(scenario, Environment.TickCount, produced, () => fake.Store.RowRecordsOf(tablePath).Count, stopProducing.Token);

        var moves = new List<bool>();
        await using var first = ChildProcess.Start("dotnet", HostExecutable.Dll, "run", "--config", config);
        await Eventually.Until(() => first.HasExited || fake.Store.RowRecordsOf(tablePath).Count > 500, TimeSpan.FromSeconds(60), $"the first member writing; stderr: {first.StandardError}");
        await using var second = ChildProcess.Start("dotnet", HostExecutable.Dll, "run", "--config", config);
        await Eventually.Until(
            () => second.HasExited || WrittenBy(fake, tablePath, second.StandardOutput),
            TimeSpan.FromSeconds(90), $"the second member writing; stderr: {second.StandardError}");
        moves.Add(fake.Appends.InFlight > 0);

        // The leave is the move this test is about: it starts while an append is in flight, so a fast machine that
        // drained everything does not turn the experiment into a move between appends.
        var at = DateTimeOffset.MinValue;
        await Eventually.Until(
            () =>
            {
                var now = DateTimeOffset.UtcNow;
                if (fake.Appends.InFlight > 0 && fake.Appends.WasInFlightAt(now))
                {
                    at = now;
                    return true;
                }

                return false;
            },
            TimeSpan.FromSeconds(30),
            "an append in flight before the first member leaves");
        first.Terminate();
        Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        moves.Add(fake.Appends.WasInFlightAt(at));
        await stopProducing.CancelAsync();
        await producing;
        await scenario.WaitForCommittedEndAsync(TimeSpan.FromMinutes(2));
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        var fenced = (first.StandardOutput + second.StandardOutput).Split('\n').Count(l => l.Contains("another member owns it", StringComparison.Ordinal));
        output.WriteLine($"appends in flight at the moves: {string.Join(", ", moves)}; partitions given up by a fenced member: {fenced}");
        var verdict = Verdict(scenario, fake, tablePath, produced);
        Assert.Equal(0, verdict.Missing);
        Assert.Equal(0, verdict.Duplicates);
        Assert.Equal(verdict.Produced, verdict.Sunk + verdict.DeadLettered);
        Assert.Contains(true, moves);
    }

    /// <summary>Whether the member whose output this is has written a row: a partition resumed on it, and rows followed.</summary>
    private static bool WrittenBy(FakeBigQuery fake, string tablePath, string memberOutput) =>
        memberOutput.Contains("resuming on stream", StringComparison.Ordinal) && fake.Store.RowRecordsOf(tablePath).Count > 0;

    private IngestionVerdict Verdict(PipelineScenario scenario, FakeBigQuery fake, string tablePath, List<(int Partition, long Offset)> produced)
    {
        var dlq = DeadLetterReader.ReadAll(scenario.BootstrapServers, scenario.Topic + ".dlq", TimeSpan.FromSeconds(60));
        var rows = fake.Store.RowRecordsOf(tablePath);
        var verdict = IngestionVerdict.Compute(
            produced,
            rows.Select(r => ((int)Convert.ToInt64(r.Values[ReservedColumns.KafkaPartition]), Convert.ToInt64(r.Values[ReservedColumns.KafkaOffset]))),
            dlq.Select(d => (d.OriginalPartition, d.OriginalOffset)).Distinct());
        output.WriteLine($"verdict: {verdict}");
        return verdict;
    }

    private static async Task<string> WriteConfigAsync(PipelineScenario scenario, FakeBigQuery fake, BigQuerySinkOptions options, string delivery)
    {
        var config = Path.Combine(scenario.Directory, "streamheal.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "kafka": { "bootstrapServers": "{{scenario.BootstrapServers}}", "groupId": "{{scenario.Group}}", "topics": ["{{scenario.Topic}}"], "sessionTimeoutMs": 6000, "autoCommitIntervalMs": 200 },
              "sink": {
                "type": "bigquery",
                "bigquery": {
                  "projectId": "{{options.ProjectId}}", "dataset": "{{options.Dataset}}", "delivery": "{{delivery}}",
                  "writeEndpoint": "{{fake.WriteEndpoint}}", "restEndpoint": "{{fake.RestEndpoint}}", "auth": "none",
                  "schemaPollInterval": "00:00:00.200"
                }
              },
              "decode": { "maxPayloadBytes": 65536 },
              "batch": { "maxRows": 500, "linger": "00:00:00.100" },
              "health": { "port": 0, "statusIntervalSeconds": 1 }
            }
            """);

        return config;
    }

    // Events produced but not yet written: enough that appends are in flight whenever a member runs, few enough that
    // the mock's retention never drops any.
    private const int MaxBacklog = 1_500;

    /// <summary>
    /// Produces rounds of 300 events, few of them poison, until stopped, keeping at most <see cref="MaxBacklog"/> of
    /// them unwritten (<paramref name="written"/> counts the rows in the table); <paramref name="produced"/> collects
    /// their positions.
    /// </summary>
    private static Task ProduceSteadilyAsync(
        PipelineScenario scenario, int seed, List<(int Partition, long Offset)> produced, Func<int> written, CancellationToken stop) => Task.Run(async () =>
    {
        for (var round = 0; !stop.IsCancellationRequested; round++)
        {
            // Few poison events: every replay after a kill dead-letters them again, and the mock keeps only 5 MiB
            // per DLQ partition, which 70 KB oversized values repeated ten times would exceed.
            var positions = await new DemoProducer(scenario.BootstrapServers, scenario.Topic, Partitions, new SyntheticEvents(seed + round, 0.001))
                .ProduceAsync(300, CancellationToken.None);
            lock (produced)
            {
                produced.AddRange(positions);
            }

            await Eventually.TryUntil(() => stop.IsCancellationRequested || Count(produced) - written() < MaxBacklog, TimeSpan.FromMinutes(5), CancellationToken.None);
        }
    });

    private static int Count(List<(int Partition, long Offset)> produced)
    {
        lock (produced)
        {
            return produced.Count;
        }
    }
}
