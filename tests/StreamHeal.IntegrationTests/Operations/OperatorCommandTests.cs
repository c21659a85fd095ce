using StreamHeal.TestSupport;
using System.Text.Json;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Kafka;
using Xunit;
using Xunit.Abstractions;
using static StreamHeal.IntegrationTests.Operations.DeadLetterTopic;

namespace StreamHeal.IntegrationTests.Operations;

/// <summary>The operator commands as a user runs them: the <c>streamheal</c> process, its exit codes, its JSON and Ctrl-C.</summary>
[Collection(KafkaCollection.Name)]
public sealed class OperatorCommandTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [HostExecutable.Dll, .. arguments], "", ProcessTimeout);

    [Fact]
    public async Task Bad_input_exits_2_with_a_message_naming_the_option()
    {
        var b = kafka.BootstrapServers;
        var topic = kafka.NewTopic("usage", 1);
        var cases = new (string Option, string[] Arguments)[]
        {
            ("--topic", ["dlq", "inspect", "--bootstrap-servers", b]),
            ("--dlq-topic", ["dlq", "inspect", "--bootstrap-servers", b, "--dlq-topic", "no-such-dlq"]),
            ("--bootstrap-servers", ["dlq", "inspect", "--topic", topic]),
            ("--config", ["dlq", "inspect", "--config", "/no/such/streamheal.json", "--topic", topic]),
            ("--offset-range", ["dlq", "inspect", "--bootstrap-servers", b, "--topic", topic, "--offset-range", "9-1"]),
            ("--since", ["dlq", "inspect", "--bootstrap-servers", b, "--topic", topic, "--since", "yesterday"]),
            ("--max-replays", ["dlq", "replay", "--bootstrap-servers", b, "--topic", topic, "--max-replays", "0"]),
            ("--max-replays", ["dlq", "replay", "--bootstrap-servers", b, "--topic", topic, "--max-replays", "many"]),
            ("--rate", ["dlq", "replay", "--bootstrap-servers", b, "--topic", topic, "--rate", "NaN"]),
            ("--rate", ["produce-sample", "--bootstrap-servers", b, "--topic", topic, "--rate", "Infinity", "--duration", "00:00:01"]),
            ("--group", ["offsets", "show", "--bootstrap-servers", b, "--group", "nobody-" + Guid.NewGuid().ToString("N"), "--topic", topic]),
            ("--topic", ["offsets", "show", "--bootstrap-servers", b, "--group", "g", "--topic", "no-such-topic"]),
            ("--to-earliest", ["offsets", "reset", "--bootstrap-servers", b, "--group", "g", "--topic", topic, "--to-earliest", "--to-latest"]),
            ("--partitions", ["offsets", "reset", "--bootstrap-servers", b, "--group", "g", "--topic", topic, "--to-earliest", "--partitions", "0,x"]),
            ("--partitions", ["offsets", "reset", "--bootstrap-servers", b, "--group", "g", "--topic", topic, "--to-earliest", "--partitions", "7", "--yes"]),
            ("--topic", ["produce-sample", "--bootstrap-servers", b, "--topic", "no-such-topic"]),
            ("--poison-percent", ["produce-sample", "--bootstrap-servers", b, "--topic", topic, "--poison-percent", "150"]),
            ("--duration", ["produce-sample", "--bootstrap-servers", b, "--topic", topic, "--rate", "10"]),
        };
        using var slots = new SemaphoreSlim(4);
        var results = await Task.WhenAll(cases.Select(async c =>
        {
            await slots.WaitAsync();
            try
            {
                return (c.Option, c.Arguments, Result: await RunAsync(c.Arguments));
            }
            finally
            {
                slots.Release();
            }
        }));
        foreach (var (option, arguments, (exitCode, stdout, stderr)) in results)
        {
            var command = string.Join(' ', arguments);
            Assert.True(exitCode == 2, $"`{command}` exited {exitCode}, not 2. stdout: {stdout} stderr: {stderr}");
            Assert.True(stderr.Contains(option, StringComparison.Ordinal), $"`{command}` did not name {option}: {stderr}");
        }

        // The healthy case of the same command line: the empty topic has no DLQ records and exits 0.
        var dlq = topic + ".dlq";
        kafka.Cluster.CreateTopic(dlq, 1);
        var (ok, okOut, okErr) = await RunAsync("dlq", "inspect", "--bootstrap-servers", b, "--topic", topic, "--json");
        Assert.True(ok == 0, okErr);
        Assert.Equal(0, JsonDocument.Parse(okOut).RootElement.GetProperty("summary").GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task Ctrl_c_stops_a_replay_that_resumes_with_every_record_exactly_once_and_offsets_show_prints_json()
    {
        var source = kafka.NewTopic("sigint", 1);
        var dlq = source + ".dlq";
        kafka.Cluster.CreateTopic(dlq, 1);
        await ProduceAsync(kafka.BootstrapServers, dlq, source, Enumerable.Range(0, 40).Select(i => new Letter(0, i, "invalid_json")));
        var group = KafkaClusterFixture.NewGroupId("sigint");
        string[] replay = ["dlq", "replay", "--bootstrap-servers", kafka.BootstrapServers, "--topic", source, "--replay-group", group, "--json"];

        await using (var first = ChildProcess.Start("dotnet", [HostExecutable.Dll, .. replay, "--rate", "20"]))
        {
            await Eventually.Until(
                async () => (await TopicWatermarks.QueryAsync(kafka.BootstrapServers, source)).TotalCount >= 5, ProcessTimeout, "the replay under way");
            first.Interrupt();
            Assert.Equal(130, await first.WaitForExitAsync(ProcessTimeout));
            output.WriteLine(first.StandardOutput);
            var summary = JsonDocument.Parse(first.StandardOutput).RootElement;
            Assert.True(summary.GetProperty("interrupted").GetBoolean());
            Assert.InRange(summary.GetProperty("replayed").GetInt64(), 5, 39);
        }

        var (exitCode, stdout, stderr) = await RunAsync(replay);
        Assert.True(exitCode == 0, stderr);
        var rest = JsonDocument.Parse(stdout).RootElement;
        Assert.False(rest.GetProperty("interrupted").GetBoolean());
        var replayed = await ReadWithKcatAsync(kafka.BootstrapServers, source);
        Assert.Equal(40, replayed.Count);
        Assert.Equal(40, replayed.Select(static r => r.Headers["trace"]).Distinct().Count());
        Assert.Equal(40 - rest.GetProperty("replayed").GetInt64(), rest.GetProperty("already_handled").GetInt64());

        // The replay group's progress is a consumer group like any other: at the end of the DLQ, no lag.
        var (showExit, showOut, showErr) = await RunAsync("offsets", "show", "--bootstrap-servers", kafka.BootstrapServers, "--group", group, "--topic", dlq, "--json");
        Assert.True(showExit == 0, showErr);
        var show = JsonDocument.Parse(showOut).RootElement;
        Assert.Equal(0, show.GetProperty("total_lag").GetInt64());
        // Past the 40 dead letters, the probe and the 40 replay markers.
        Assert.Equal(81, show.GetProperty("partitions")[0].GetProperty("committed").GetInt64());
    }

    [Fact]
    public async Task Produce_sample_writes_the_demo_events_at_full_speed_or_paced_and_kcat_reads_them_back()
    {
        var topic = kafka.NewTopic("sample", 2);
        var (exitCode, stdout, stderr) = await RunAsync("produce-sample", "--bootstrap-servers", kafka.BootstrapServers, "--topic", topic, "--events", "30", "--poison-percent", "10");
        Assert.True(exitCode == 0, stderr);
        Assert.Contains("produced 30 events", stdout, StringComparison.Ordinal);
        var (paced, pacedOut, pacedErr) = await RunAsync("produce-sample", "--bootstrap-servers", kafka.BootstrapServers, "--topic", topic, "--rate", "100", "--duration", "00:00:00.5");
        Assert.True(paced == 0, pacedErr);
        Assert.Contains("produced 50 events", pacedOut, StringComparison.Ordinal);
        var records = await ReadWithKcatAsync(kafka.BootstrapServers, topic);
        Assert.Equal(80, records.Count);
        Assert.Contains(records, static r => r.Value.StartsWith("{\"", StringComparison.Ordinal));
    }
}
