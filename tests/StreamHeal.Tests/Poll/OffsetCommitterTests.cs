using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.Offsets;
using StreamHeal.Poll;
using Xunit;

namespace StreamHeal.Tests.Poll;

public sealed class OffsetCommitterTests
{
    private static readonly TopicPartition Events0 = new("events", 0);

    /// <summary>
    /// Regression: the advance was taken before the store, so a store librdkafka refused was never tried again while
    /// the partition stayed quiet; its committed offset stayed behind what it had finished.
    /// </summary>
    [Fact]
    public void A_store_that_failed_is_tried_again_at_the_next_check_without_a_new_advance()
    {
        var time = new FakeTimeProvider();
        var consumer = new FakeConsumer(time);
        var tracker = new OffsetTracker();
        var positions = new PartitionPositions(tracker);
        var generation = positions.Begin(Events0, new Offset(0));
        var committer = new OffsetCommitter(
            consumer, tracker, positions, new PollOptions { Topics = ["events"], BootstrapServers = "broker-a:9092", GroupId = "g1" },
            NullLogger.Instance, time);
        for (var offset = 0L; offset < 3; offset++)
        {
            tracker.Register(Events0, generation, offset);
            tracker.Complete(Events0, generation, offset);
        }

        consumer.StoreErrors.Enqueue(ErrorCode.Local_State);
        committer.StoreAdvanced(force: true);
        Assert.Empty(consumer.Stored);

        committer.StoreAdvanced(force: true);
        Assert.Equal([new TopicPartitionOffset(Events0, 3)], consumer.Stored);

        committer.StoreAdvanced(force: true);
        Assert.Single(consumer.Stored);
    }
}
