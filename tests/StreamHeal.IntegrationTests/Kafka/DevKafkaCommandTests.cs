using System.Diagnostics;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.IntegrationTests.Kafka;

/// <summary>
/// Runs <c>streamheal dev-kafka</c> as a real child process and talks to it with clients built on other
/// librdkafka builds (Debian's kcat and python3-confluent-kafka), then stops it the way a service manager would.
/// </summary>
public sealed class DevKafkaCommandTests
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_clientTimeout = TimeSpan.FromSeconds(60);

    // Produces N messages, then reads them back through a consumer group and prints one value per line.
    private const string PythonRoundTrip = """
        import sys, time
        from confluent_kafka import Consumer, Producer
        bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
        producer = Producer({"bootstrap.servers": bootstrap})
        for i in range(count):
            producer.produce(topic, value=("py-%d" % i).encode())
        undelivered = producer.flush(30)
        if undelivered:
            sys.exit("%d messages were not delivered" % undelivered)
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "python-" + topic,
                             "auto.offset.reset": "earliest", "session.timeout.ms": 6000})
        consumer.subscribe([topic])
        seen = []
        deadline = time.monotonic() + 30
        while len(seen) < count and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error():
                print(message.error(), file=sys.stderr)
                continue
            seen.append(message.value().decode())
        consumer.close()
        print("\n".join(seen))
        """;

    [Fact]
    public async Task Kcat_produces_and_consumes_through_dev_kafka()
    {
        var kcat = ExternalTools.RequireKcat();
        await using var devKafka = StartDevKafka("--topic", "t:3");
        var bootstrap = await devKafka.FirstLineAsync(s_startTimeout);

        var expected = Enumerable.Range(0, 30).Select(i => $"kcat-{i}").ToArray();
        var produced = await ChildProcess.RunAsync(kcat, ["-b", bootstrap, "-t", "t", "-P"], string.Join('\n', expected) + "\n", s_clientTimeout);
        Assert.True(produced.ExitCode == 0, $"kcat -P exited {produced.ExitCode}: {produced.Stderr}");

        var consumed = await ChildProcess.RunAsync(kcat, ["-b", bootstrap, "-t", "t", "-C", "-e", "-o", "beginning", "-q"], "", s_clientTimeout);
        Assert.True(consumed.ExitCode == 0, $"kcat -C exited {consumed.ExitCode}: {consumed.Stderr}");
        Assert.Equal(expected.Order(), Lines(consumed.Stdout).Order());

        var watermarks = await TopicWatermarks.QueryAsync(bootstrap, "t");
        Assert.Equal(3, watermarks.Partitions.Count);
        Assert.Equal(expected.Length, watermarks.TotalCount);
        Assert.Empty(watermarks.DroppedByRetention());
        Assert.Contains("created topic t with 3 partition(s)", devKafka.StandardOutput, StringComparison.Ordinal);

        await StopWithSigtermAsync(devKafka);
    }

    [Fact]
    public async Task Python_confluent_kafka_produces_and_consumes_through_dev_kafka()
    {
        var python = await ExternalTools.RequirePythonConfluentKafkaAsync();
        await using var devKafka = StartDevKafka("--brokers", "1", "--topic", "py:2");
        var bootstrap = await devKafka.FirstLineAsync(s_startTimeout);

        const int count = 200;
        var run = await ChildProcess.RunAsync(python, ["-c", PythonRoundTrip, bootstrap, "py", $"{count}"], "", s_clientTimeout);

        Assert.True(run.ExitCode == 0, $"python exited {run.ExitCode}: {run.Stderr}");
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"py-{i}").Order(), Lines(run.Stdout).Order());

        await StopWithSigtermAsync(devKafka);
    }

    [Fact]
    public async Task Sigterm_right_after_the_first_line_still_stops_cleanly()
    {
        // Scripts signal as soon as they have the bootstrap servers; this once raced the signal handler setup.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using var devKafka = StartDevKafka("--brokers", "1");
            await devKafka.FirstLineAsync(s_startTimeout);
            await StopWithSigtermAsync(devKafka);
        }
    }

    [Theory]
    [InlineData("no-colon")]
    [InlineData("t:0")]
    [InlineData("t:x")]
    [InlineData(":3")]
    [InlineData("bad/name:3")]
    public async Task Malformed_topic_exits_with_code_2_and_says_why(string topic)
    {
        await using var devKafka = StartDevKafka("--topic", topic);

        var exitCode = await devKafka.WaitForExitAsync(s_startTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("NAME:PARTITIONS", devKafka.StandardError, StringComparison.Ordinal);
        Assert.Contains(topic, devKafka.StandardError, StringComparison.Ordinal);
    }

    private static ChildProcess StartDevKafka(params string[] arguments)
    {
        var hostDll = HostExecutable.Dll;
        Assert.True(File.Exists(hostDll), $"streamheal.dll not found at {hostDll}.");
        // Set by the dotnet CLI for the processes it starts; the muxer on PATH otherwise.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return ChildProcess.Start(dotnet, [hostDll, "dev-kafka", .. arguments]);
    }

    private static async Task StopWithSigtermAsync(ChildProcess devKafka)
    {
        var stopwatch = Stopwatch.StartNew();
        devKafka.Terminate();
        var exitCode = await devKafka.WaitForExitAsync(s_stopTimeout);
        Assert.True(exitCode == 0, $"dev-kafka exited {exitCode} after SIGTERM ({stopwatch.ElapsedMilliseconds} ms). stderr: {devKafka.StandardError}");
        Assert.EndsWith("mock cluster stopped", devKafka.StandardOutput, StringComparison.Ordinal);
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
