using StreamHeal.TestSupport;
using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using StreamHeal.Dev.Kafka;
using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.IntegrationTests.Kafka;

[Collection(KafkaCollection.Name)]
public sealed class MockKafkaClusterTests(KafkaClusterFixture kafka)
{
    private readonly MockKafkaCluster _cluster = kafka.Cluster;

    [Fact]
    public async Task Group_consumer_receives_everything_produced_and_watermarks_start_at_zero()
    {
        var topic = kafka.NewTopic("roundtrip", partitions: 3);
        var expected = Enumerable.Range(0, 300).Select(i => $"m{i}").ToArray();

        await ProduceAllAsync(topic, expected);

        using var consumer = new ConsumerBuilder<Ignore, string>(
            KafkaTestSettings.Consumer(kafka.BootstrapServers, KafkaClusterFixture.NewGroupId("roundtrip"))).Build();
        consumer.Subscribe(topic);
        var received = new ConcurrentQueue<ConsumeResult<Ignore, string>>();
        await ConsumeAsync(consumer, received, expected.Length, CancellationToken.None);
        consumer.Close();

        Assert.Equal(expected.Order(), received.Select(r => r.Message.Value).Order());

        var watermarks = await TopicWatermarks.QueryAsync(kafka.BootstrapServers, topic);
        Assert.Equal([0, 1, 2], watermarks.Partitions.Select(p => p.Partition));
        Assert.All(watermarks.Partitions, p => Assert.Equal(new PartitionWatermark(p.Partition, 0, 100), p));
        Assert.Equal(expected.Length, watermarks.TotalCount);
        Assert.Empty(watermarks.DroppedByRetention());
    }

    [Fact]
    public async Task Partition_leader_down_and_up_mid_stream_loses_and_duplicates_nothing()
    {
        const int leader = 2;
        var topic = kafka.NewTopic("leader-down", partitions: 1);
        var groupId = KafkaClusterFixture.NewGroupId("leader-down");
        _cluster.SetPartitionLeader(topic, 0, leader);
        // Keep the coordinator elsewhere so only fetching and producing lose their broker.
        _cluster.SetCoordinator("group", groupId, 1);

        // A disconnect surfaces as a Local_Transport error or only as a FAIL log line naming the broker,
        // depending on timing; either shows a client noticed the outage.
        var outageNotices = 0;
        void NoticeOutage() => Interlocked.Increment(ref outageNotices);
        using var consumer = new ConsumerBuilder<Ignore, string>(KafkaTestSettings.Consumer(kafka.BootstrapServers, groupId))
            .SetErrorHandler((_, error) =>
            {
                if (error.Code == ErrorCode.Local_Transport)
                {
                    NoticeOutage();
                }
            })
            .SetLogHandler((_, log) =>
            {
                if (IsFailureOf(leader, log))
                {
                    NoticeOutage();
                }
            })
            .Build();
        consumer.Subscribe(topic);
        var received = new ConcurrentQueue<ConsumeResult<Ignore, string>>();
        using var stopConsuming = new CancellationTokenSource();
        var consuming = ConsumeAsync(consumer, received, 200, stopConsuming.Token);
        try
        {
            using var producer = new ProducerBuilder<Null, string>(KafkaTestSettings.Producer(kafka.BootstrapServers))
                .SetLogHandler((_, log) =>
                {
                    if (IsFailureOf(leader, log))
                    {
                        NoticeOutage();
                    }
                })
                .Build();
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => producer.ProduceAsync(topic, new Message<Null, string> { Value = $"m{i}" })));
            await Eventually.Until(() => received.Count >= 100, KafkaTestSettings.Timeout, "the first 100 messages before the outage");

            Task<DeliveryResult<Null, string>[]> secondHalf;
            try
            {
                var noticesBefore = Volatile.Read(ref outageNotices);
                _cluster.SetBrokerDown(leader);
                secondHalf = Task.WhenAll(Enumerable.Range(100, 100).Select(i => producer.ProduceAsync(topic, new Message<Null, string> { Value = $"m{i}" })));
                await Eventually.Until(() => Volatile.Read(ref outageNotices) > noticesBefore, KafkaTestSettings.Timeout, "a client to notice the leader is gone");
                Assert.False(secondHalf.IsCompleted, "messages were delivered while the only leader was down");
            }
            finally
            {
                _cluster.SetBrokerUp(leader);
            }

            await secondHalf.WaitAsync(KafkaTestSettings.Timeout);
            await consuming;
            consumer.Close();
        }
        finally
        {
            // Never dispose the consumer while the polling thread may still be inside Consume.
            await stopConsuming.CancelAsync();
            await Task.WhenAny(consuming);
        }

        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), received.Select(r => r.Offset.Value).Order());
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"m{i}").Order(), received.Select(r => r.Message.Value).Order());
    }

    [Fact]
    public async Task Injected_produce_error_reaches_a_producer_that_does_not_retry()
    {
        var topic = kafka.NewTopic("produce-error", partitions: 1);
        var config = new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            EnableIdempotence = false,
            MessageSendMaxRetries = 0,
        };
        using var producer = new ProducerBuilder<Null, string>(config).Build();

        _cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotEnoughReplicas);
        try
        {
            var failure = await Assert.ThrowsAsync<ProduceException<Null, string>>(
                () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" }).WaitAsync(KafkaTestSettings.Timeout));
            Assert.Equal(ErrorCode.NotEnoughReplicas, failure.Error.Code);
        }
        finally
        {
            _cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }

        var watermarks = await TopicWatermarks.QueryAsync(kafka.BootstrapServers, topic);
        Assert.Equal(0, watermarks.TotalCount);
    }

    [Fact]
    public async Task Injected_retriable_produce_errors_are_retried_and_delivered_exactly_once()
    {
        var topic = kafka.NewTopic("produce-retry", partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(KafkaTestSettings.Producer(kafka.BootstrapServers)).Build();

        _cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotEnoughReplicas, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas);
        try
        {
            var delivery = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "once" }).WaitAsync(KafkaTestSettings.Timeout);
            Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        }
        finally
        {
            _cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }

        var watermarks = await TopicWatermarks.QueryAsync(kafka.BootstrapServers, topic);
        Assert.Equal(new PartitionWatermark(0, 0, 1), Assert.Single(watermarks.Partitions));
    }

    [Fact]
    public async Task Cleared_request_errors_are_not_injected()
    {
        var topic = kafka.NewTopic("cleared", partitions: 1);
        var config = new ProducerConfig { BootstrapServers = kafka.BootstrapServers, MessageSendMaxRetries = 0 };
        using var producer = new ProducerBuilder<Null, string>(config).Build();

        _cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotEnoughReplicas);
        _cluster.ClearRequestErrors(KafkaApiKey.Produce);

        var delivery = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" }).WaitAsync(KafkaTestSettings.Timeout);
        Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
    }

    [Fact]
    public async Task Injected_RebalanceInProgress_on_offset_commit_makes_Commit_throw()
    {
        var topic = kafka.NewTopic("commit-error", partitions: 1);
        await ProduceAllAsync(topic, ["a"]);
        using var consumer = new ConsumerBuilder<Ignore, string>(
            KafkaTestSettings.Consumer(kafka.BootstrapServers, KafkaClusterFixture.NewGroupId("commit-error"))).Build();
        consumer.Subscribe(topic);
        var received = new ConcurrentQueue<ConsumeResult<Ignore, string>>();
        await ConsumeAsync(consumer, received, 1, CancellationToken.None);

        _cluster.PushRequestErrors(KafkaApiKey.OffsetCommit, ErrorCode.RebalanceInProgress);
        try
        {
            var failure = await Assert.ThrowsAnyAsync<KafkaException>(
                () => Task.Run(() => consumer.Commit([new TopicPartitionOffset(topic, 0, 1)])).WaitAsync(KafkaTestSettings.Timeout));
            Assert.Equal(ErrorCode.RebalanceInProgress, failure.Error.Code);
        }
        finally
        {
            _cluster.ClearRequestErrors(KafkaApiKey.OffsetCommit);
        }

        consumer.Close();
    }

    [Fact]
    public async Task Broker_rtt_delays_delivery_until_reset()
    {
        const int leader = 3;
        var rtt = TimeSpan.FromMilliseconds(400);
        var topic = kafka.NewTopic("rtt", partitions: 1);
        _cluster.SetPartitionLeader(topic, 0, leader);
        using var producer = new ProducerBuilder<Null, string>(KafkaTestSettings.Producer(kafka.BootstrapServers)).Build();
        // Warm up so connection setup and producer-id allocation are not part of the measurement.
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "warm-up" });

        TimeSpan slow;
        try
        {
            _cluster.SetBrokerRtt(leader, rtt);
            slow = await TimeDeliveryAsync(producer, topic);
        }
        finally
        {
            _cluster.SetBrokerRtt(leader, TimeSpan.Zero);
        }

        Assert.True(slow >= rtt, $"delivery took {slow.TotalMilliseconds:0} ms with a {rtt.TotalMilliseconds:0} ms RTT");
        var fast = await TimeDeliveryAsync(producer, topic);
        Assert.True(fast < rtt, $"delivery still took {fast.TotalMilliseconds:0} ms after the RTT was reset");
    }

    [Fact]
    public void Invalid_arguments_and_native_failures_say_what_failed()
    {
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => _cluster.SetBrokerDown(KafkaClusterFixture.Brokers + 1));
        Assert.Contains("1..3", outOfRange.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => _cluster.SetCoordinator("consumer", "g", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _cluster.CreateTopic("t", partitions: 0));

        var topic = kafka.NewTopic("twice", partitions: 1);
        var duplicate = Assert.Throws<InvalidOperationException>(() => _cluster.CreateTopic(topic, 1));
        Assert.Contains("rd_kafka_mock_topic_create", duplicate.Message, StringComparison.Ordinal);
        Assert.Contains(topic, duplicate.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_topic_has_no_watermarks()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => TopicWatermarks.QueryAsync(kafka.BootstrapServers, $"missing-{Guid.NewGuid():N}", TimeSpan.FromSeconds(5)));
        Assert.Contains("missing-", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_is_idempotent_and_later_calls_throw_ObjectDisposedException()
    {
        var cluster = MockKafkaCluster.Start(brokers: 1);
        Assert.Equal(1, cluster.BrokerCount);
        Assert.StartsWith("127.0.0.1:", cluster.BootstrapServers, StringComparison.Ordinal);

        await cluster.DisposeAsync();
        await cluster.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("t", 1));
    }

    private async Task ProduceAllAsync(string topic, IEnumerable<string> values)
    {
        using var producer = new ProducerBuilder<Null, string>(KafkaTestSettings.Producer(kafka.BootstrapServers)).Build();
        // Explicit partitions: null keys would stick to one partition per linger window.
        var partitions = (await TopicWatermarks.QueryAsync(kafka.BootstrapServers, topic)).Partitions.Count;
        await Task.WhenAll(values.Select((v, i) =>
                producer.ProduceAsync(new TopicPartition(topic, i % partitions), new Message<Null, string> { Value = v })))
            .WaitAsync(KafkaTestSettings.Timeout);
    }

    /// <summary>librdkafka logs a broken or refused connection as FAIL, naming the broker as host:port/id.</summary>
    private static bool IsFailureOf(int brokerId, LogMessage log) =>
        log.Facility == "FAIL" && log.Message.Contains($"/{brokerId}:", StringComparison.Ordinal);

    private static async Task<TimeSpan> TimeDeliveryAsync(IProducer<Null, string> producer, string topic)
    {
        var stopwatch = Stopwatch.StartNew();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "timed" }).WaitAsync(KafkaTestSettings.Timeout);
        return stopwatch.Elapsed;
    }

    /// <summary>Polls on a worker thread (Consume blocks) until <paramref name="count"/> messages are in <paramref name="into"/>.</summary>
    private static Task ConsumeAsync(
        IConsumer<Ignore, string> consumer, ConcurrentQueue<ConsumeResult<Ignore, string>> into, int count, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            var stopwatch = Stopwatch.StartNew();
            while (into.Count < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (stopwatch.Elapsed > KafkaTestSettings.Timeout)
                {
                    Assert.Fail($"Consumed {into.Count} of {count} messages in {KafkaTestSettings.Timeout.TotalSeconds} s.");
                }

                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } result)
                {
                    into.Enqueue(result);
                }
            }
        });
}
