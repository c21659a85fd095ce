using StreamHeal.IntegrationTests.Kafka;
using Xunit;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>
/// The fault matrix runs on its own mock cluster, one test at a time: its faults (brokers down, request errors for
/// every client of the cluster) must not reach another collection's cluster, and its timings must not share the cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityCollection : ICollectionFixture<ReliabilityFixture>
{
    public const string Name = "reliability";
}

/// <summary>
/// A mock cluster of its own and the recorder every fault test reports to. When the collection ends and
/// <see cref="ReliabilityRecorder.ReportVariable"/> names a file, the measured table is written there.
/// </summary>
public sealed class ReliabilityFixture : IAsyncLifetime
{
    public KafkaClusterFixture Kafka { get; } = new();

    public ReliabilityRecorder Recorder { get; } = new();

    public Task InitializeAsync() => Kafka.InitializeAsync();

    public async Task DisposeAsync()
    {
        var path = Environment.GetEnvironmentVariable(ReliabilityRecorder.ReportVariable);
        if (!string.IsNullOrWhiteSpace(path))
        {
            await File.WriteAllTextAsync(path, ReliabilityReport.Render(Recorder.Rows));
        }

        await Kafka.DisposeAsync();
    }
}
