using System.Text;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.SchemaRegistry;
using StreamHeal.SchemaState;
using StreamHeal.Dev.Registry;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Host;

[Collection(KafkaCollection.Name)]
public sealed class SchemaShowCommandTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task Show_prints_registered_columns_with_versions_and_quarantine_counts()
    {
        await using var scenario = new PipelineScenario(kafka, output, "show", partitions: 1);
        await using var registry = await EmbeddedSchemaRegistry.StartAsync();
        var stateDirectory = Path.Combine(scenario.Directory, "state");
        using (var client = SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = registry.Url, RequestTimeout = TimeSpan.FromSeconds(5) }))
        using (var registrar = new SchemaRegistrar(client, new SchemaStateOptions { Directory = stateDirectory }, scenario.Loggers.CreateLogger("state"), TimeProvider.System))
        {
            using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(scenario.BootstrapServers)).Build())
            {
                foreach (var json in new[] { """{"id":1,"level":"a"}""", """{"id":2,"level":7}""", """{"id":3,"level":8,"extra":true}""" })
                {
                    await producer.ProduceAsync(scenario.Topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(json) });
                }
            }

            await using var sink = scenario.OpenSink();
            var run = scenario.Start(sink, null, registrar);
            await PipelineScenario.WaitForDoneAsync(3, TimeSpan.FromSeconds(30), run.Pipeline);
            await run.Stop.CancelAsync();
            await run.Running;
            scenario.AssertNoLeaks();
        }

        var config = Path.Combine(scenario.Directory, "show.json");
        await File.WriteAllTextAsync(config, $$"""
            { "schemaRegistry": { "url": "{{registry.Url}}" }, "schemaState": { "directory": "{{stateDirectory}}" }, "sink": { "duckdb": { "path": "{{scenario.DatabasePath}}" } } }
            """);
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync("dotnet", [HostExecutable.Dll, "schema", "show", scenario.Table, "--config", config], "", TimeSpan.FromSeconds(60));
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exitCode);
        // The subject and its number of versions, whatever the sentence around them.
        Assert.Matches($@"{Regex.Escape("streamheal." + scenario.Table)}\b\D*\b2\b", stdout);
        Assert.Matches(@"level\s+STRING\s+since version 1", stdout);
        Assert.Matches(@"extra\s+BOOL\s+since version 2", stdout);
        Assert.Contains("3 rows", stdout, StringComparison.Ordinal);
        Assert.Contains("level, type_flip: 2", stdout, StringComparison.Ordinal);
    }
}
