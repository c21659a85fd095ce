using Confluent.Kafka;
using StreamHeal.DeadLetter;
using StreamHeal.Dev.Demo;
using StreamHeal.Dev.Kafka;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Pipeline;
using StreamHeal.Sink;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Pipeline;

/// <summary>
/// A DLQ topic whose configuration refuses dead letters for good, not for a while: retrying the same record would hold
/// its offset for ever. The mock cluster enforces neither timestamp bounds nor compaction's key rule, so the DLQ
/// producer is wrapped to answer as such a broker does.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class DeadLetterRefusalTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    /// <summary>Regression: INVALID_TIMESTAMP counted as a passing outage, so every dead letter of an old record was retried for ever.</summary>
    [Fact]
    public async Task Dead_letters_a_topic_refuses_for_their_old_timestamps_are_sent_stamped_now_and_keep_the_original_in_a_header()
    {
        await using var scenario = new PipelineScenario(kafka, output, "dlq-old-timestamps", partitions: 2);
        var month = TimeSpan.FromDays(30);
        var produced = await ProduceAsync(scenario, 400, seed: 61, key: true, age: month);
        // message.timestamp.before.max.ms of 7 days on the DLQ topic.
        var bound = TimeSpan.FromDays(7);
        await using var sink = scenario.OpenSink();
        var (pipeline, refused) = Refusing(scenario, sink, message =>
            message.Timestamp.Type != TimestampType.NotAvailable && message.Timestamp.UtcDateTime < DateTime.UtcNow - bound
                ? new Error(ErrorCode.InvalidTimestamp, "Broker: Invalid timestamp")
                : null);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => pipeline.RunAsync(stop.Token));

        await PipelineScenario.WaitForDoneAsync(produced.Count, Wait, pipeline);
        await stop.CancelAsync();
        await running;

        var poison = produced.Count(p => p.Poison);
        Assert.True(poison > 0, "the corpus has no poison");
        Assert.Equal(poison, refused());
        var (rows, deadLetters) = await scenario.ReadBackAsync();
        Assert.Equal(produced.Count - poison, rows.Count);
        Assert.Equal(poison, deadLetters.Select(d => (d.OriginalPartition, d.OriginalOffset)).Distinct().Count());
        var sent = DateTime.UtcNow - month / 2;
        foreach (var letter in deadLetters)
        {
            // The original time is kept where readers look for it; the record itself carries the time it was sent.
            var original = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(letter.Headers[DeadLetterHeaders.OriginalTimestamp], System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(original.UtcDateTime < DateTime.UtcNow - month + TimeSpan.FromHours(1), $"original timestamp {original:O}");
        }

        Assert.All(ReadTimestamps(scenario.Topic + ".dlq"), t => Assert.True(t > sent, $"a dead letter stamped {t:O}"));
    }

    /// <summary>
    /// Regression: a DLQ topic that refuses the record itself (here a compacted one, and records without a key) was
    /// retried for ever with the partition's offset held. Now the service stops with the reason, and nothing past the
    /// refused record is committed.
    /// </summary>
    [Fact]
    public async Task A_dlq_topic_that_refuses_the_record_itself_stops_the_pipeline_with_the_reason_and_commits_nothing_past_it()
    {
        await StopsAtTheFirstPoisonAsync("dlq-invalid-record", seed: 62, key: false, "cleanup.policy=delete", message =>
            message.Key is null ? new Error(ErrorCode.InvalidRecord, "Broker: Broker failed to validate record") : null);
    }

    /// <summary>
    /// Regression: the idempotent DLQ producer refused its producer id (an ACL without IdempotentWrite on older
    /// brokers). It cannot send anything; the service stopped saying only "Purged in queue" and to create the topic.
    /// </summary>
    [Fact]
    public async Task A_dlq_producer_refused_its_producer_id_stops_the_service_at_start_up_saying_why()
    {
        var cluster = new KafkaClusterFixture();
        try
        {
            await using var scenario = new PipelineScenario(cluster, output, "dlq-no-pid", partitions: 1);
            await ProduceAsync(scenario, 300, seed: 64, key: true, age: TimeSpan.Zero);
            cluster.Cluster.PushRequestErrors(KafkaApiKey.InitProducerId, Enumerable.Repeat(ErrorCode.ClusterAuthorizationFailed, 50).ToArray());
            await using var sink = scenario.OpenSink();
            var pipeline = new IngestionPipeline(scenario.Settings(), sink, scenario.Loggers);

            // The start-up probe meets it: the producer purged the probe ("Purged in queue"), and the service says why.
            var failure = await Assert.ThrowsAsync<DeadLetterUnavailableException>(() => pipeline.RunAsync(CancellationToken.None).WaitAsync(Wait));
            output.WriteLine(failure.ToString());
            Assert.Contains("Cluster authorization failed", failure.Message, StringComparison.Ordinal);
            Assert.Contains("IdempotentWrite", failure.Message, StringComparison.Ordinal);
            Assert.Equal(0, pipeline.Status.Polled);
            Assert.True(scenario.Committed()[0] < 0, "nothing should have been committed");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// Regression: a DLQ producer that failed for good while running (an idempotence error librdkafka cannot recover
    /// from) purges its queue and refuses new sends. Those errors were retried for ever with the offset held, and
    /// nothing said why; now the service stops with the reason and commits nothing past the record.
    /// </summary>
    [Fact]
    public async Task A_dlq_producer_that_failed_for_good_while_running_stops_the_pipeline_instead_of_retrying_for_ever()
    {
        await StopsAtTheFirstPoisonAsync("dlq-purged", seed: 65, key: true, "failed for good", message =>
            IsProbe(message) ? null : new Error(ErrorCode.Local_PurgeQueue, "Local: Purged in queue"));
    }

    /// <summary>Stamped now and still refused (the host's clock far off the brokers'): no loop, the service stops and says which clock to check.</summary>
    [Fact]
    public async Task A_dead_letter_refused_again_when_stamped_now_stops_the_pipeline_with_the_reason()
    {
        // The start-up probe passes; every dead letter is refused, whatever its time.
        var refused = await StopsAtTheFirstPoisonAsync("dlq-refused-time", seed: 63, key: true, "stamped with the current time too", message =>
            IsProbe(message) ? null : new Error(ErrorCode.InvalidTimestamp, "Broker: Invalid timestamp"));

        // Once with its own time, once stamped now.
        Assert.True(refused >= 2, $"{refused} refusals");
    }

    /// <summary>
    /// Regression: poison whose own headers were over the DLQ's limit could not be dead-lettered at any value size. The
    /// send failed for good (librdkafka refuses a message over message.max.bytes), and the pipeline stopped behind it.
    /// </summary>
    [Fact]
    public async Task Poison_whose_headers_alone_exceed_the_dlq_limit_is_dead_lettered_without_them_and_the_rest_lands()
    {
        await using var scenario = new PipelineScenario(kafka, output, "dlq-big-headers", partitions: 1);
        var produced = await ProduceAsync(scenario, 200, seed: 64, key: true, age: TimeSpan.Zero);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(scenario.BootstrapServers)).Build())
        {
            var big = new Message<byte[]?, byte[]?>
            {
                Key = [1],
                Value = "{bad"u8.ToArray(),
                Headers = new Headers { { "trace-a", new byte[300_000] }, { "trace-b", new byte[300_000] } },
            };
            var delivered = await producer.ProduceAsync(new TopicPartition(scenario.Topic, 0), big);
            produced.Add((0, delivered.Offset.Value, true));
        }

        produced.AddRange(await ProduceAsync(scenario, 100, seed: 65, key: true, age: TimeSpan.Zero));
        await using var sink = scenario.OpenSink();
        // A DLQ topic with a smaller max.message.bytes than the source topic's.
        var settings = scenario.Settings() with { DeadLetter = new DeadLetterOptions { MaxMessageBytes = 400_000 } };
        var run = scenario.Start(sink, settings);

        await PipelineScenario.WaitForDoneAsync(produced.Count, Wait, run.Pipeline);
        await run.Stop.CancelAsync();
        await run.Running;

        PipelineScenario.AssertOk(await scenario.VerifyAsync([.. produced.Select(p => (p.Partition, p.Offset))]));
        var (_, deadLetters) = await scenario.ReadBackAsync();
        var letter = Assert.Single(deadLetters, d => d.OriginalOffset == 200);
        Assert.Equal("2", letter.Headers[DeadLetterHeaders.HeadersDropped]);
        Assert.Equal("{bad", System.Text.Encoding.UTF8.GetString(letter.Value!));
    }

    /// <summary>
    /// Runs a pipeline over 300 events of one partition whose DLQ producer refuses what <paramref name="rule"/> names:
    /// it must stop with <paramref name="reason"/> and commit nothing past the first poison record. Returns the refusals.
    /// </summary>
    private async Task<int> StopsAtTheFirstPoisonAsync(string name, int seed, bool key, string reason, Func<Message<byte[]?, byte[]?>, Error?> rule)
    {
        await using var scenario = new PipelineScenario(kafka, output, name, partitions: 1);
        var produced = await ProduceAsync(scenario, 300, seed, key, age: TimeSpan.Zero);
        var firstPoison = produced.First(p => p.Poison).Offset;
        await using var sink = scenario.OpenSink();
        var (pipeline, refused) = Refusing(scenario, sink, rule);

        await FailsSayingAsync(pipeline, reason);
        var committed = scenario.Committed()[0];
        Assert.True(committed <= firstPoison, $"committed {committed}, past the refused dead letter at offset {firstPoison}");
        return refused();
    }

    private static bool IsProbe(Message<byte[]?, byte[]?> message) => message.Headers?.TryGetLastBytes(DeadLetterHeaders.Probe, out _) == true;

    /// <summary>A pipeline whose DLQ producer answers as a topic refusing what <paramref name="rule"/> names; the count of refusals.</summary>
    private static (IngestionPipeline Pipeline, Func<int> Refused) Refusing(PipelineScenario scenario, ISink sink, Func<Message<byte[]?, byte[]?>, Error?> rule)
    {
        RefusingDeadLetterProducer? control = null;
        var pipeline = new IngestionPipeline(scenario.Settings(), sink, scenario.Loggers)
        {
            DeadLetterProducerWrapper = inner =>
            {
                var (producer, refusing) = RefusingDeadLetterProducer.Wrap(inner, rule);
                control = refusing;
                return producer;
            },
        };
        return (pipeline, () => control?.Refused ?? 0);
    }

    /// <summary>The pipeline stops, and what it stops with is the DLQ topic's refusal, with <paramref name="reason"/> in it.</summary>
    private async Task FailsSayingAsync(IngestionPipeline pipeline, string reason)
    {
        var failure = await Assert.ThrowsAsync<PipelineFailedException>(() => pipeline.RunAsync(CancellationToken.None).WaitAsync(Wait));
        output.WriteLine(failure.ToString());
        // One reason, even when dead letters sent in parallel each failed before the pipeline stopped.
        Assert.IsType<DeadLetterUnavailableException>(failure.InnerException);
        Assert.StartsWith("DLQ topic '", failure.Message, StringComparison.Ordinal);
        Assert.Contains(reason, failure.Message, StringComparison.Ordinal);
    }

    private static async Task<List<(int Partition, long Offset, bool Poison)>> ProduceAsync(PipelineScenario scenario, int count, int seed, bool key, TimeSpan age)
    {
        var events = new SyntheticEvents(seed, poisonShare: 0.05);
        var stamped = DateTime.UtcNow - age;
        var produced = new List<(int, long, bool)>(count);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(scenario.BootstrapServers)).Build();
        for (var i = 0; i < count; i++)
        {
            var message = new Message<byte[]?, byte[]?>
            {
                Key = key ? BitConverter.GetBytes(i) : null,
                Value = events.ValueAt(i, count),
                Timestamp = new Timestamp(stamped.AddMilliseconds(i)),
            };
            var delivered = await producer.ProduceAsync(new TopicPartition(scenario.Topic, i % scenario.Partitions), message);
            produced.Add((delivered.Partition.Value, delivered.Offset.Value, events.PoisonAt(i) != PoisonKind.None));
        }

        return produced;
    }

    private IReadOnlyList<DateTime> ReadTimestamps(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Consumer(kafka.BootstrapServers, KafkaClusterFixture.NewGroupId("dlq-read"))).Build();
        var watermarks = Enumerable.Range(0, 2).Select(p => (p, consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)))).ToList();
        consumer.Assign(watermarks.Select(w => new TopicPartitionOffset(topic, w.p, Offset.Beginning)));
        var left = watermarks.Sum(w => w.Item2.High.Value - w.Item2.Low.Value);
        var stamps = new List<DateTime>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (left > 0 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                left--;
                if (result.Message.Headers.TryGetLastBytes(DeadLetterHeaders.Probe, out _))
                {
                    continue;
                }

                stamps.Add(result.Message.Timestamp.UtcDateTime);
            }
        }

        Assert.Equal(0, left);
        return stamps;
    }
}
