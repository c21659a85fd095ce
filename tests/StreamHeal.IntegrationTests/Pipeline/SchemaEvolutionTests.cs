using StreamHeal.TestSupport;
using System.Net;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.Dev.Registry;
using StreamHeal.Records;
using StreamHeal.SchemaRegistry;
using StreamHeal.SchemaState;
using StreamHeal.Sink.DuckDb;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Pipeline;

[Collection(KafkaCollection.Name)]
public sealed class SchemaEvolutionTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task Two_replicas_discovering_different_fields_at_once_both_keep_them_and_a_20_s_registry_outage_loses_nothing()
    {
        await using var scenario = new PipelineScenario(kafka, output, "evolution", partitions: 2);
        await using var registry = await EmbeddedSchemaRegistry.StartAsync();
        var options = new SchemaRegistryOptions { Url = registry.Url, RequestTimeout = TimeSpan.FromSeconds(2) };
        using var clientA = SchemaRegistryClients.Create(options);
        using var clientB = SchemaRegistryClients.Create(options);
        // The registrars' clock: the outage's length and their retry-after are advanced, not waited for.
        var clock = new FakeTimeProvider();
        using var registrarA = new SchemaRegistrar(clientA, new SchemaStateOptions { Directory = Path.Combine(scenario.Directory, "a"), RetryDegradedAfter = TimeSpan.FromSeconds(1) }, scenario.Loggers.CreateLogger("a"), clock);
        using var registrarB = new SchemaRegistrar(clientB, new SchemaStateOptions { Directory = Path.Combine(scenario.Directory, "b"), RetryDegradedAfter = TimeSpan.FromSeconds(1) }, scenario.Loggers.CreateLogger("b"), clock);
        await using var sink = scenario.OpenSink();
        var a = scenario.Start(sink, null, registrarA);
        var b = scenario.Start(sink, null, registrarB);
        await Eventually.Until(() => a.Pipeline.Status.AssignedPartitions == 1 && b.Pipeline.Status.AssignedPartitions == 1, TimeSpan.FromSeconds(60), "one partition per replica");

        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(scenario.BootstrapServers)).Build();
        var positions = new List<(int, long)>();
        var id = 0;
        async Task SendBoth(Func<int, string> partition0, Func<int, string> partition1, int count)
        {
            for (var i = 0; i < count; i++)
            {
                foreach (var (p, json) in new[] { (0, partition0(++id)), (1, partition1(++id)) })
                {
                    var report = await producer.ProduceAsync(new TopicPartition(scenario.Topic, p), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(json) });
                    positions.Add((report.Partition.Value, report.Offset.Value));
                }
            }
        }

        // Each replica meets its own new field in the same moment.
        await SendBoth(n => $$"""{"id":{{n}},"common":"c","alpha":{{n}}}""", n => $$"""{"id":{{n}},"common":"c","beta":"b{{n}}"}""", 20);
        await PipelineScenario.WaitForDoneAsync(positions.Count, TimeSpan.FromSeconds(60), a.Pipeline, b.Pipeline);
        Assert.False(a.Pipeline.Status.Degraded || b.Pipeline.Status.Degraded);

        // A 20 s registry outage: known fields keep flowing, a field first seen now is quarantined, never lost.
        registry.FailWith(HttpStatusCode.ServiceUnavailable);
        await SendBoth(n => $$"""{"id":{{n}},"common":"c","alpha":{{n}},"gamma":"g{{n}}"}""", n => $$"""{"id":{{n}},"common":"c","beta":"b{{n}}"}""", 10);
        await PipelineScenario.WaitForDoneAsync(positions.Count, TimeSpan.FromSeconds(30), a.Pipeline, b.Pipeline);
        Assert.True(a.Pipeline.Status.Degraded || b.Pipeline.Status.Degraded);
        // 20 s on the registrars' clock: far past RetryDegradedAfter, so the next new field asks the registry again.
        clock.Advance(TimeSpan.FromSeconds(20));
        registry.Heal();

        await SendBoth(n => $$"""{"id":{{n}},"common":"c","delta":{{n}}.5}""", n => $$"""{"id":{{n}},"common":"c","delta":{{n}}.25}""", 10);
        await PipelineScenario.WaitForDoneAsync(positions.Count, TimeSpan.FromSeconds(60), a.Pipeline, b.Pipeline);
        Assert.False(registrarA.Degraded || registrarB.Degraded);
        await Task.WhenAll(a.Stop.CancelAsync(), b.Stop.CancelAsync());
        await Task.WhenAll(a.Running, b.Running);

        PipelineScenario.AssertOk(await scenario.VerifyAsync(positions));
        var state = await registrarA.LoadAsync(scenario.Table, CancellationToken.None);
        Assert.Equal(["alpha", "beta", "common", "delta", "id"], state.Select(c => c.Name).Order(StringComparer.Ordinal));

        using var reader = new DuckDbTableReader(scenario.DatabasePath);
        var rows = reader.ReadRows(scenario.Table);
        Assert.Equal(20, rows.Count(r => r["alpha"] is not null && Convert.ToInt64(r["id"], System.Globalization.CultureInfo.InvariantCulture) <= 40));
        Assert.Equal(30, rows.Count(r => r["beta"] is not null));
        Assert.Equal(20, rows.Count(r => r["delta"] is not null));
        var quarantined = rows.Where(r => r["_quarantine"] is string q && q.Contains("\"gamma\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(10, quarantined.Count);
        Assert.All(quarantined, r => Assert.Contains(QuarantineReasons.RegistryUnavailable, (string)r["_quarantine"]!, StringComparison.Ordinal));
    }
}
