using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Confluent.Kafka;
using StreamHeal.DeadLetter;
using StreamHeal.Dev.Demo;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Tables;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Pipeline;

[Collection(KafkaCollection.Name)]
public sealed class EndToEndTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task Two_hundred_thousand_events_land_once_each_in_duckdb_or_the_dlq()
    {
        await using var scenario = new PipelineScenario(kafka, output, "e2e", partitions: 32);
        var produced = await scenario.ProduceAsync(200_000, seed: 7);
        await using (var sink = scenario.OpenSink())
        {
            var (pipeline, running, stop) = scenario.Start(sink);
            await PipelineScenario.WaitForDoneAsync(produced.Length, TimeSpan.FromMinutes(4), pipeline);
            await stop.CancelAsync();
            await running;
            await pipeline.DisposeAsync();
        }

        var verdict = await scenario.VerifyAsync(produced);
        PipelineScenario.AssertOk(verdict);
        Assert.InRange(verdict.DeadLettered, 500, 1_500);
        AssertRowsHoldTheirOwnEvents(scenario, produced, seed: 7);

        // A clean stop commits everything that was sunk.
        var committed = scenario.Committed();
        using var reader = new DuckDbTableReader(scenario.DatabasePath);
        foreach (var (partition, next) in reader.ReadNextOffsets(scenario.Table, scenario.Topic))
        {
            Assert.True(committed[partition] >= next, $"partition {partition}: committed {committed[partition]} < sunk up to {next}");
        }
    }

    /// <summary>
    /// Each row's unique strings are its own event's. They are not copied out of the event (they stay in the record's
    /// pooled value array until the row is written), so a row read after its array went to a later event would show
    /// that event's id here, at this row's offset.
    /// </summary>
    private static void AssertRowsHoldTheirOwnEvents(PipelineScenario scenario, (int Partition, long Offset)[] produced, int seed)
    {
        var index = new Dictionary<(int, long), long>(produced.Length);
        for (var i = 0; i < produced.Length; i++)
        {
            index[produced[i]] = i;
        }

        using var connection = new DuckDBConnection($"Data Source={scenario.DatabasePath};ACCESS_MODE=READ_ONLY");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ReservedColumns.KafkaPartition}, {ReservedColumns.KafkaOffset}, event_id, ts FROM \"{scenario.Table}\"";
        using var reader = command.ExecuteReader();
        var rows = 0;
        while (reader.Read())
        {
            var i = index[(reader.GetInt32(0), reader.GetInt64(1))];
            Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{seed:x}-{i:x}"), reader.GetString(2));
            Assert.Equal(1_700_000_000_000 + i, reader.GetInt64(3));
            rows++;
        }

        Assert.True(rows > produced.Length / 2, $"only {rows} rows read back");
    }

    [Fact]
    public async Task Every_poison_class_reaches_the_dlq_with_its_reason_and_context_while_good_events_flow()
    {
        await using var scenario = new PipelineScenario(kafka, output, "poison", partitions: 2);
        var generator = new SyntheticEvents(seed: 1, poisonShare: 0);
        var poison = new (PoisonKind Kind, string Type)[]
        {
            (PoisonKind.InvalidJson, "invalid_json"),
            (PoisonKind.InvalidUtf8, "invalid_utf8"),
            (PoisonKind.NotAnObject, "not_an_object"),
            (PoisonKind.Empty, "empty_value"),
            (PoisonKind.Oversized, "payload_too_large"),
            (PoisonKind.TooDeep, "too_deep"),
        };
        var positions = new Dictionary<long, (int, long)>();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(scenario.BootstrapServers)).Build())
        {
            var headers = new Headers { { "trace-id", Encoding.UTF8.GetBytes("t-1") } };
            for (var i = 0; i < poison.Length * 10; i++)
            {
                var value = i % 10 == 5 ? generator.Poison(poison[i / 10].Kind, i) : generator.ValueAt(i, 1_000);
                var report = await producer.ProduceAsync(
                    new TopicPartition(scenario.Topic, i % 2),
                    new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes($"k{i}"), Value = value, Headers = headers });
                positions[i] = (report.Partition.Value, report.Offset.Value);
            }

            // A tombstone is skipped and counted, never dead-lettered.
            await producer.ProduceAsync(new TopicPartition(scenario.Topic, 0), new Message<byte[]?, byte[]?> { Key = [1], Value = null });
        }

        await using (var sink = scenario.OpenSink())
        {
            var (pipeline, running, stop) = scenario.Start(sink);
            await PipelineScenario.WaitForDoneAsync(positions.Count + 1, TimeSpan.FromSeconds(60), pipeline);
            Assert.Equal(1, pipeline.Metrics.Tombstones);
            await stop.CancelAsync();
            await running;
        }

        var dlq = DeadLetterReader.ReadAll(scenario.BootstrapServers, scenario.Topic + ".dlq", TimeSpan.FromSeconds(30));
        Assert.Equal(poison.Length, dlq.Count);
        foreach (var (kind, type) in poison)
        {
            var index = Array.FindIndex(poison, p => p.Kind == kind) * 10 + 5;
            var entry = Assert.Single(dlq, d => d.ErrorType == type);
            Assert.Equal((scenario.Topic, positions[index].Item1, positions[index].Item2), (entry.OriginalTopic, entry.OriginalPartition, entry.OriginalOffset));
            Assert.Equal("decode", entry.ErrorStage);
            Assert.False(string.IsNullOrWhiteSpace(entry.ErrorMessage));
            Assert.Equal(scenario.Group, entry.Headers[DeadLetterHeaders.ConsumerGroup]);
            Assert.Equal("1", entry.Headers[DeadLetterHeaders.Attempts]);
            Assert.Equal("t-1", entry.Headers["trace-id"]);
            Assert.True(entry.Headers.ContainsKey(DeadLetterHeaders.OriginalTimestamp));
            Assert.True(DateTimeOffset.TryParse(entry.Headers[DeadLetterHeaders.FailedAt], System.Globalization.CultureInfo.InvariantCulture, out _));
            Assert.Equal(generator.Poison(kind, index), entry.Value ?? []);
        }

        var verdict = await scenario.VerifyAsync(positions.Values.ToList());
        PipelineScenario.AssertOk(verdict);
        Assert.Equal(poison.Length * 9, verdict.Sunk);
    }
}
