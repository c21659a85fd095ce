using System.Text;
using Confluent.Kafka;
using StreamHeal.CompatFilter;
using StreamHeal.DeadLetter;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.Records;
using StreamHeal.Sink.DuckDb;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Pipeline;

[Collection(KafkaCollection.Name)]
public sealed class SchemaPolicyTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private static readonly string[] Events =
    [
        """{"id":1,"app_version":"4.1.0","is_premium":true}""",
        """{"id":2,"app_version":412,"is_premium":"true"}""",
        """{"id":3,"UserName":"a","username":"b"}""",
        """{"id":4,"app_version":"4.2.0"}""",
    ];

    [Theory]
    [InlineData(SchemaViolationPolicy.Quarantine)]
    [InlineData(SchemaViolationPolicy.Drop)]
    [InlineData(SchemaViolationPolicy.DeadLetter)]
    public async Task Each_policy_keeps_what_it_promises_through_the_pipeline(SchemaViolationPolicy policy)
    {
        await using var scenario = new PipelineScenario(kafka, output, "policy", partitions: 1);
        var positions = new List<(int, long)>();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(scenario.BootstrapServers)).Build())
        {
            foreach (var json in Events)
            {
                var report = await producer.ProduceAsync(scenario.Topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(json) });
                positions.Add((report.Partition.Value, report.Offset.Value));
            }
        }

        var settings = scenario.Settings();
        settings.Schema.Policy = policy;
        await using (var sink = scenario.OpenSink())
        {
            var run = scenario.Start(sink, settings);
            await PipelineScenario.WaitForDoneAsync(Events.Length, TimeSpan.FromSeconds(60), run.Pipeline);
            var counts = run.Pipeline.QuarantineCounts.Snapshot();
            Assert.Contains(counts, c => c.Field == "app_version" && c.Reason == QuarantineReasons.TypeFlip && c.Count == 1);
            Assert.Contains(counts, c => c.Field == "UserName" && c.Reason == QuarantineReasons.CaseCollisionInEvent);
            await run.Stop.CancelAsync();
            await run.Running;
        }

        PipelineScenario.AssertOk(await scenario.VerifyAsync(positions));
        using var reader = new DuckDbTableReader(scenario.DatabasePath);
        var rows = reader.ReadRows(scenario.Table).ToDictionary(r => Convert.ToInt64(r["id"], System.Globalization.CultureInfo.InvariantCulture));
        var dlq = DeadLetterReader.ReadAll(scenario.BootstrapServers, scenario.Topic + ".dlq", TimeSpan.FromSeconds(30));
        switch (policy)
        {
            case SchemaViolationPolicy.Quarantine:
                Assert.Equal(4, rows.Count);
                var quarantine = (string)rows[2]["_quarantine"]!;
                Assert.Contains("\"name\":\"app_version\",\"value\":412,\"reason\":\"type_flip\",\"expected_type\":\"STRING\",\"actual_type\":\"INT64\"", quarantine, StringComparison.Ordinal);
                Assert.Contains("\"name\":\"is_premium\",\"value\":\"true\",\"reason\":\"type_flip\"", quarantine, StringComparison.Ordinal);
                Assert.Contains("case_collision_in_event", (string)rows[3]["_quarantine"]!, StringComparison.Ordinal);
                Assert.Empty(dlq);
                break;
            case SchemaViolationPolicy.Drop:
                Assert.Equal(4, rows.Count);
                Assert.All(rows.Values, r => Assert.Null(r["_quarantine"]));
                Assert.Null(rows[2]["app_version"]);
                Assert.Empty(dlq);
                break;
            default:
                Assert.Equal([1L, 4L], rows.Keys.Order());
                Assert.Equal(2, dlq.Count);
                Assert.All(dlq, d => Assert.Equal("schema_violation", d.ErrorType));
                Assert.Contains(dlq, d => d.ErrorMessage.Contains("app_version: type_flip (expected STRING, got INT64)", StringComparison.Ordinal));
                break;
        }
    }
}
