using StreamHeal.TestSupport;
using System.Diagnostics;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Pipeline;

[Trait(FaultMatrix.Trait, FaultMatrix.Value)]
[Collection(KafkaCollection.Name)]
public sealed class FaultToleranceTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task A_second_member_joining_and_leaving_mid_stream_loses_and_duplicates_nothing()
    {
        await using var scenario = new PipelineScenario(kafka, output, "rebalance", partitions: 8);
        var produce = scenario.ProduceAsync(100_000, seed: 11);
        await using var sink = scenario.OpenSink();
        var first = scenario.Start(sink);
        await Eventually.Until(() => first.Pipeline.Metrics.Sunk > 5_000, TimeSpan.FromSeconds(60), "first member sinking");

        var second = scenario.Start(sink);
        await Eventually.Until(() => second.Pipeline.Status.AssignedPartitions > 0 && first.Pipeline.Status.AssignedPartitions < 8, TimeSpan.FromSeconds(60), "partitions split between two members");
        // The second member first replays what the first one wrote but had not committed (skipped by the sink).
        await Eventually.Until(() => second.Pipeline.Metrics.Sunk + second.Pipeline.Metrics.AlreadyWritten > 1_000, TimeSpan.FromSeconds(60), "second member working");

        await second.Stop.CancelAsync();
        await second.Running;
        await Eventually.Until(() => first.Pipeline.Status.AssignedPartitions == 8, TimeSpan.FromSeconds(60), "first member owning every partition again");

        var produced = await produce;
        await scenario.WaitForCommittedEndAsync(TimeSpan.FromMinutes(2));
        await first.Stop.CancelAsync();
        await first.Running;

        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    [Fact]
    public async Task A_partition_leader_going_down_and_up_mid_stream_loses_nothing()
    {
        await using var scenario = new PipelineScenario(kafka, output, "broker", partitions: 6);
        for (var p = 0; p < scenario.Partitions; p++)
        {
            kafka.Cluster.SetPartitionLeader(scenario.Topic, p, 2);
        }

        var produce = scenario.ProduceAsync(40_000, seed: 12);
        await using var sink = scenario.OpenSink();
        var run = scenario.Start(sink);
        try
        {
            await Eventually.Until(() => run.Pipeline.Metrics.Sunk > 3_000, TimeSpan.FromSeconds(60), "sinking before the outage");
            kafka.Cluster.SetBrokerDown(2);
            var sunkAtOutage = run.Pipeline.Metrics.Sunk;
            // The outage itself: the broker stays down this long whatever the pipeline does; not a wait for a condition.
            await Task.Delay(TimeSpan.FromSeconds(3));
            output.WriteLine($"sunk during the outage: {run.Pipeline.Metrics.Sunk - sunkAtOutage}");
        }
        finally
        {
            kafka.Cluster.SetBrokerUp(2);
        }

        var produced = await produce;
        await scenario.WaitForCommittedEndAsync(TimeSpan.FromMinutes(2));
        await run.Stop.CancelAsync();
        await run.Running;

        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    [Fact]
    public async Task Two_members_stopping_at_the_same_moment_both_stop_and_nothing_is_lost_or_written_twice()
    {
        // Both members leave at once, so each one's close meets the other's departure: a synchronous commit from the
        // revoke callback inside Close(), and at another time librdkafka's own unassign there, once waited for ever.
        // Stopping is now bounded whatever the client does. Several rounds, because the timing decides.
        await using var scenario = new PipelineScenario(kafka, output, "stop-together", partitions: 2);
        await using var sink = scenario.OpenSink();
        var produced = new List<(int Partition, long Offset)>();
        for (var round = 1; round <= 4; round++)
        {
            produced.AddRange(await scenario.ProduceAsync(2_000, seed: 60 + round));
            var a = scenario.Start(sink);
            var b = scenario.Start(sink);
            await Eventually.Until(() => a.Pipeline.Status.AssignedPartitions == 1 && b.Pipeline.Status.AssignedPartitions == 1, TimeSpan.FromSeconds(60), $"round {round}: one partition per member");
            // Stop as soon as the rows are in, while the last offsets are still only stored: both closes then commit.
            await PipelineScenario.WaitForDoneAsync(2_000, TimeSpan.FromSeconds(60), a.Pipeline, b.Pipeline);
            await Task.WhenAll(a.Stop.CancelAsync(), b.Stop.CancelAsync());
            var stopped = Stopwatch.StartNew();
            await Task.WhenAll(a.Running, b.Running).WaitAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"round {round}: both members stopped in {stopped.Elapsed.TotalSeconds:N1} s");
        }

        // A member whose partner left first is in a rebalance when it commits, and Kafka refuses that commit
        // (REBALANCE_IN_PROGRESS) until it rejoins, which a closing member never does: its range is redelivered to the
        // next owner and the sink skips what it already holds. One member alone then brings the group to the end.
        var last = scenario.Start(sink);
        await scenario.WaitForCommittedEndAsync(TimeSpan.FromSeconds(60));
        await last.Stop.CancelAsync();
        await last.Running.WaitAsync(TimeSpan.FromSeconds(60));
        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    [Fact]
    public async Task A_graceful_stop_and_restart_in_the_middle_duplicates_nothing()
    {
        await using var scenario = new PipelineScenario(kafka, output, "restart", partitions: 8);
        var produced = await scenario.ProduceAsync(60_000, seed: 13);
        await using (var sink = scenario.OpenSink())
        {
            var run = scenario.Start(sink);
            await Eventually.Until(() => run.Pipeline.Metrics.Sunk > 10_000, TimeSpan.FromSeconds(60), "some rows sunk");
            await run.Stop.CancelAsync();
            await run.Running;
            output.WriteLine($"first run sunk {run.Pipeline.Metrics.Sunk}");
        }

        await using (var sink = scenario.OpenSink())
        {
            var run = scenario.Start(sink);
            await scenario.WaitForCommittedEndAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(0, run.Pipeline.Metrics.AlreadyWritten);
            await run.Stop.CancelAsync();
            await run.Running;
        }

        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    [Fact]
    public async Task A_pipeline_killed_with_sigkill_ten_times_mid_stream_and_restarted_leaves_no_duplicates()
    {
        const int Kills = 10;
        await using var scenario = new PipelineScenario(kafka, output, "sigkill", partitions: 8);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"random seed {seed}");
        // Less poison than the default: every restart dead-letters again the poison it had not committed, and with ten
        // kills the DLQ's partitions (the 70 KiB oversized poison among them) once passed the mock's 5 MiB retention,
        // which the read-back refuses to judge.
        var produced = await scenario.ProduceAsync(120_000, seed: 14, poisonShare: 0.002);
        var config = Path.Combine(scenario.Directory, "streamheal.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "kafka": { "bootstrapServers": "{{scenario.BootstrapServers}}", "groupId": "{{scenario.Group}}", "topics": ["{{scenario.Topic}}"], "sessionTimeoutMs": 6000, "autoCommitIntervalMs": 200 },
              "sink": { "type": "duckdb", "duckdb": { "path": "{{scenario.DatabasePath}}" } },
              "decode": { "maxPayloadBytes": 65536 },
              "batch": { "maxRows": 1000, "linger": "00:00:00.100" },
              "health": { "port": 0, "statusIntervalSeconds": 1 }
            }
            """);
        var hostDll = HostExecutable.Dll;

        for (var kill = 1; kill <= Kills; kill++)
        {
            // Each run gets a little further, then dies at a random moment: between batches, mid-write or mid-commit,
            // with whatever it had stored but not committed. A fast run overshoots its mark by several thousand
            // records; the mark stays below the end so that it is always reached.
            var killAfter = Math.Min(CommittedCount(scenario) + random.Next(500, 2_500), produced.Length - 1_000);
            await using var child = ChildProcess.Start("dotnet", hostDll, "run", "--config", config);
            await Eventually.Until(
                () => child.HasExited || CommittedCount(scenario) > killAfter,
                TimeSpan.FromSeconds(90),
                $"run {kill}: more than {killAfter} records committed; stderr: {child.StandardError}");
            Assert.False(child.HasExited, $"run {kill} exited: {child.StandardOutput}\n{child.StandardError}");
            // A random moment to kill at is the experiment, not a wait for a condition.
            await Task.Delay(random.Next(0, 400));
            await child.KillAsync();
            output.WriteLine($"kill {kill} after {CommittedCount(scenario)} committed");
        }

        await using (var child = ChildProcess.Start("dotnet", hostDll, "run", "--config", config))
        {
            await scenario.WaitForCommittedEndAsync(TimeSpan.FromMinutes(3));
            // When the killed runs already committed everything, the end is reached before this run has started. A
            // SIGTERM that early meets the runtime's default handler (exit 143), not the service's stop: wait for the
            // service's first status line, which it prints once running.
            await Eventually.Until(
                () => child.HasExited || child.StandardOutput.Contains("status:", StringComparison.Ordinal),
                TimeSpan.FromSeconds(90),
                $"the last run's first status line; stderr: {child.StandardError}");
            child.Terminate();
            Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            output.WriteLine(child.StandardOutput.Split('\n').LastOrDefault(l => l.Contains("status:", StringComparison.Ordinal)) ?? "");
        }

        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    private static long CommittedCount(PipelineScenario scenario) => scenario.Committed().Values.Sum(c => Math.Max(c, 0));
}
