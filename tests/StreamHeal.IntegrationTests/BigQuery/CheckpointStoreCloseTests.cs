using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHeal.Dev.Kafka;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.Kafka;
using StreamHeal.Sink.BigQuery.Checkpoints;
using StreamHeal.TestSupport;
using Xunit;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>
/// Closing the exactly-once checkpoint store while a write is still inside its Kafka clients (a sink stage abandoned at
/// the pipeline's stop bound): destroying a librdkafka handle under a call in progress uses freed memory, so the store
/// waits for the call, refuses new ones, and past its bound leaves the clients to the process.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class CheckpointStoreCloseTests(KafkaClusterFixture kafka)
{
    private const string Table = "closing";

    [Fact]
    public async Task Closing_waits_for_a_write_still_inside_the_clients_and_refuses_new_calls()
    {
        var (topic, options) = NewCheckpointTopic("close-wait");
        var store = new CheckpointStore(options, topic, NullLogger.Instance);
        var epoch = (await store.ClaimAsync(Table, [0], CancellationToken.None))[0].Epoch;
        using var stop = new CancellationTokenSource();
        kafka.Cluster.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(ErrorCode.NotEnoughReplicas, 500).ToArray());
        try
        {
            var write = store.WriteAsync(Table, 0, new StreamCheckpoint("stream-a", 10, 100, [], epoch), readBack: false, stop.Token);
            Assert.False(write.IsCompleted, "the write was not held by the refused produce requests");

            var closing = store.DisposeAsync().AsTask();
            Assert.False(closing.IsCompleted, "closed with a write still inside the clients");
            var refused = await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ClaimAsync(Table, [1], CancellationToken.None));
            Assert.Contains("exactly-once checkpoint store is closed", refused.Message, StringComparison.Ordinal);

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
            await closing.WaitAsync(TimeSpan.FromSeconds(60));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => store.WriteAsync(Table, 0, new StreamCheckpoint("stream-a", 10, 100, [], epoch), false, CancellationToken.None));
        }
        finally
        {
            kafka.Cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }
    }

    [Fact]
    public async Task A_write_inside_past_the_bound_keeps_the_clients_open_and_a_later_close_still_closes_them()
    {
        var (topic, options) = NewCheckpointTopic("close-bound");
        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        var store = new CheckpointStore(options, topic, loggers.CreateLogger("StreamHeal.Kafka")) { CloseTimeout = TimeSpan.FromSeconds(1) };
        var epoch = (await store.ClaimAsync(Table, [0], CancellationToken.None))[0].Epoch;
        using var stop = new CancellationTokenSource();
        kafka.Cluster.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(ErrorCode.NotEnoughReplicas, 500).ToArray());
        try
        {
            var write = store.WriteAsync(Table, 0, new StreamCheckpoint("stream-a", 10, 100, [], epoch), readBack: false, stop.Token);

            await store.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.False(write.IsCompleted);
            Assert.Single(logs.Entries, e => e.Message.Contains("stay open until the process exits", StringComparison.Ordinal));

            // The stuck call returns; closing again now destroys the clients without waiting for the bound.
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
            await store.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Single(logs.Entries, e => e.Message.Contains("stay open until the process exits", StringComparison.Ordinal));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ClaimAsync(Table, [0], CancellationToken.None));
        }
        finally
        {
            kafka.Cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }
    }

    private (string Topic, KafkaOptions Options) NewCheckpointTopic(string prefix)
    {
        var group = KafkaClusterFixture.NewGroupId(prefix);
        var topic = group + ".checkpoints";
        kafka.Cluster.CreateTopic(topic, 1);
        return (topic, new KafkaOptions { BootstrapServers = kafka.BootstrapServers, GroupId = group, Topics = [Table] });
    }
}
