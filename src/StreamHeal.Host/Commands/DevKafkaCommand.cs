using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using StreamHeal.Dev.Kafka;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>streamheal dev-kafka</c>: an in-process mock Kafka cluster for local runs. The first stdout line is the
/// bootstrap server list so scripts can read it; the process runs until Ctrl-C or SIGTERM.
/// </summary>
internal static class DevKafkaCommand
{
    public const int UsageErrorExitCode = 2;

    // Kafka's own limits on topic names.
    private const int MaxTopicNameLength = 249;

    public static Command Create()
    {
        var brokers = new Option<int>("--brokers")
        {
            Description = "Number of mock brokers (ids 1..N).",
            DefaultValueFactory = _ => 3,
        };
        var topics = new Option<string[]>("--topic")
        {
            Description = "Topic to create, as NAME:PARTITIONS. Repeatable.",
        };

        var command = new Command("dev-kafka", "Run librdkafka's in-process mock Kafka cluster (keeps at most 5 MiB per partition) until Ctrl-C/SIGTERM. Prints the bootstrap servers first.")
        {
            brokers,
            topics,
        };
        command.SetAction((parseResult, cancellationToken) =>
            RunAsync(parseResult.GetValue(brokers), parseResult.GetValue(topics) ?? [], cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int brokers, string[] topicSpecs, CancellationToken cancellationToken)
    {
        if (brokers < 1)
        {
            await Console.Error.WriteLineAsync($"--brokers must be at least 1 (got {brokers}).");
            return UsageErrorExitCode;
        }

        var topics = new List<(string Name, int Partitions)>(topicSpecs.Length);
        foreach (var spec in topicSpecs)
        {
            if (!TryParseTopic(spec, out var topic))
            {
                await Console.Error.WriteLineAsync(
                    $"--topic '{spec}' is not NAME:PARTITIONS (a name of letters, digits, '.', '_' or '-', a colon, a partition count of at least 1), e.g. --topic events:3.");
                return UsageErrorExitCode;
            }

            topics.Add(topic);
        }

        // System.CommandLine registers its SIGINT/SIGTERM handlers only once the action first yields, and a script
        // may signal as soon as it has read the first line: without these, such an early signal kills the process.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        await using var cluster = MockKafkaCluster.Start(brokers);
        // Clients joining a fresh group would otherwise wait ~3 s for their first assignment.
        cluster.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        foreach (var (name, partitions) in topics)
        {
            cluster.CreateTopic(name, partitions);
        }

        // Scripts read the first line to learn where to connect, so it goes out alone and at once.
        await Console.Out.WriteLineAsync(cluster.BootstrapServers);
        await Console.Out.FlushAsync(CancellationToken.None);
        foreach (var (name, partitions) in topics)
        {
            await Console.Out.WriteLineAsync($"created topic {name} with {partitions} partition(s)");
        }

        await Console.Out.WriteLineAsync($"mock cluster with {brokers} broker(s) running; Ctrl-C or SIGTERM stops it");
        await Console.Out.FlushAsync(CancellationToken.None);

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        await cluster.DisposeAsync();
        await Console.Out.WriteLineAsync("mock cluster stopped");
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static bool TryParseTopic(string spec, out (string Name, int Partitions) topic)
    {
        topic = default;
        var colon = spec.LastIndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        var name = spec[..colon];
        if (name.Length > MaxTopicNameLength || !name.All(IsLegalTopicChar))
        {
            return false;
        }

        if (!int.TryParse(spec.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partitions) || partitions < 1)
        {
            return false;
        }

        topic = (name, partitions);
        return true;
    }

    private static bool IsLegalTopicChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
}
