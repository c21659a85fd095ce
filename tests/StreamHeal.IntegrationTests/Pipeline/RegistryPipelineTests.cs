using StreamHeal.IntegrationTests.SchemaRegistry;
using System.Net;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.Records;
using StreamHeal.SchemaRegistry;
using StreamHeal.SchemaState;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Dev.Registry;
using Xunit;
using Xunit.Abstractions;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.Pipeline;

[Collection(KafkaCollection.Name)]
public sealed class RegistryPipelineTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task New_fields_are_registered_before_rows_use_them_and_a_registry_outage_degrades_without_loss()
    {
        await using var scenario = new PipelineScenario(kafka, output, "registry", partitions: 1);
        await using var registry = await EmbeddedSchemaRegistry.StartAsync();
        using var client = SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = registry.Url, RequestTimeout = TimeSpan.FromSeconds(1) });
        var clock = new FakeTimeProvider();
        using var registrar = new SchemaRegistrar(
            client,
            new SchemaStateOptions { Directory = Path.Combine(scenario.Directory, "state"), RetryDegradedAfter = TimeSpan.FromMilliseconds(300) },
            scenario.Loggers.CreateLogger("state"),
            clock);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(scenario.BootstrapServers)).Build();
        var positions = new List<(int, long)>();
        async Task Send(string json)
        {
            var report = await producer.ProduceAsync(scenario.Topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(json) });
            positions.Add((report.Partition.Value, report.Offset.Value));
        }

        await using var sink = scenario.OpenSink();
        var run = scenario.Start(sink, null, registrar);
        for (var i = 0; i < 50; i++)
        {
            await Send($$"""{"id":{{i}},"name":"n{{i}}","score":{{i}}.5}""");
        }

        await PipelineScenario.WaitForDoneAsync(50, TimeSpan.FromSeconds(30), run.Pipeline);
        Assert.False(run.Pipeline.Status.Degraded);
        var latest = await client.LatestAsync(registrar.SubjectFor(scenario.Table));
        Assert.Equal(["id", "name", "score"], StateSchemaAvro.FromAvro(latest.SchemaString).Select(c => c.Name));

        // The registry goes away: known fields keep flowing, a new field is quarantined, never lost.
        registry.FailWith(HttpStatusCode.ServiceUnavailable);
        await Send("""{"id":100,"name":"during","brand_new":"kept in _quarantine"}""");
        await PipelineScenario.WaitForDoneAsync(51, TimeSpan.FromSeconds(30), run.Pipeline);
        Assert.True(run.Pipeline.Status.Degraded);

        registry.Heal();
        clock.Advance(TimeSpan.FromMilliseconds(300));
        await Send("""{"id":101,"name":"after","brand_new":"a column now"}""");
        await PipelineScenario.WaitForDoneAsync(52, TimeSpan.FromSeconds(30), run.Pipeline);
        Assert.False(registrar.Degraded);
        await run.Stop.CancelAsync();
        await run.Running;

        PipelineScenario.AssertOk(await scenario.VerifyAsync(positions));
        using var reader = new DuckDbTableReader(scenario.DatabasePath);
        var rows = reader.ReadRows(scenario.Table).ToDictionary(r => Convert.ToInt64(r["id"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(QuarantineReasons.RegistryUnavailable, (string)rows[100]["_quarantine"]!, StringComparison.Ordinal);
        Assert.Contains("kept in _quarantine", (string)rows[100]["_quarantine"]!, StringComparison.Ordinal);
        Assert.Equal("a column now", rows[101]["brand_new"]);
        var state = StateSchemaAvro.FromAvro((await client.LatestAsync(registrar.SubjectFor(scenario.Table))).SchemaString);
        Assert.Contains(state, c => c.Name == "brand_new" && c.Type == ColumnType.String);
    }
}
