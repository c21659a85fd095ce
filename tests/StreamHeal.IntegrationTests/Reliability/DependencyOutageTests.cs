using System.Net;
using StreamHeal.Dev.Registry;
using StreamHeal.SchemaRegistry;
using StreamHeal.SchemaState;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>The destination and the schema registry going away for a while, then coming back.</summary>
[Trait(FaultMatrix.Trait, FaultMatrix.Value)]
[Collection(ReliabilityCollection.Name)]
public sealed class DependencyOutageTests(ReliabilityFixture fixture, ITestOutputHelper output)
{
    private const string Family = "Dependency outages";
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Sink_outage()
    {
        await using var experiment = await FaultExperiment.CreateAsync(fixture, output, "sink-down");
        experiment.Sink.Down = true;
        try
        {
            experiment.ProduceSecondHalf();
            await FaultExperiment.HoldAsync(Outage);
        }
        finally
        {
            experiment.Sink.Down = false;
        }

        await experiment.FaultClearedAsync();
        await experiment.FinishAsync(Family, "Sink outage",
            $"every DuckDB call refused (SinkUnavailableException) for {Outage.TotalSeconds:0} s, then served",
            test: $"{nameof(DependencyOutageTests)}.{nameof(Sink_outage)}");
    }

    [Fact]
    public async Task Schema_registry_outage()
    {
        await using var registry = await EmbeddedSchemaRegistry.StartAsync();
        using var client = SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = registry.Url, RequestTimeout = TimeSpan.FromSeconds(1) });
        await using var experiment = await FaultExperiment.CreateAsync(fixture, output, "registry-down", registrar: scenario => new SchemaRegistrar(
            client,
            new SchemaStateOptions { Directory = Path.Combine(scenario.Directory, "state"), RetryDegradedAfter = TimeSpan.FromMilliseconds(300) },
            scenario.Loggers.CreateLogger("state"),
            TimeProvider.System));
        registry.FailWith(HttpStatusCode.ServiceUnavailable);
        try
        {
            experiment.ProduceSecondHalf();
            await FaultExperiment.HoldAsync(Outage);
        }
        finally
        {
            registry.Heal();
        }

        await experiment.FaultClearedAsync();
        await experiment.FinishAsync(Family, "Schema registry outage",
            $"the embedded schema registry answered 503 to every request for {Outage.TotalSeconds:0} s, then healed",
            test: $"{nameof(DependencyOutageTests)}.{nameof(Schema_registry_outage)}");
    }
}
