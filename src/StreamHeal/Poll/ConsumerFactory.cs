using Confluent.Kafka;
using StreamHeal.Kafka;
using StreamHeal.Records;

namespace StreamHeal.Poll;

/// <summary>The consumer's callbacks, all run by librdkafka on the poll thread (inside Consume and Close).</summary>
public sealed record ConsumerCallbacks(
    Action<IConsumer<byte[]?, byte[]?>, Error> OnError,
    Action<IConsumer<byte[]?, byte[]?>, LogMessage> OnLog,
    Func<IConsumer<byte[]?, byte[]?>, List<TopicPartition>, IEnumerable<TopicPartitionOffset>> OnAssigned,
    Action<IConsumer<byte[]?, byte[]?>, List<TopicPartitionOffset>> OnRevoked,
    Action<IConsumer<byte[]?, byte[]?>, List<TopicPartitionOffset>> OnLost,
    Action<string> OnStatistics);

/// <summary>A consumer and a way to ask its brokers for metadata (true when they answered within the timeout).</summary>
public sealed record PollConsumer(IConsumer<byte[]?, byte[]?> Consumer, Func<string, TimeSpan, bool> BrokersAnswer);

/// <summary>Builds the poll loop's consumer: the real one from configuration, a scripted one in unit tests.</summary>
public delegate PollConsumer ConsumerFactory(ConsumerCallbacks callbacks);

public static class KafkaConsumerFactory
{
    /// <param name="values">Where values are copied to (arrays of done records come back to it); null allocates each.</param>
    public static ConsumerFactory For(KafkaOptions kafka, int prefetchKBytes, ValuePool? values = null) => callbacks =>
    {
        var builder = new ConsumerBuilder<byte[]?, byte[]?>(KafkaConfigBuilder.Consumer(kafka, prefetchKBytes));
        if (values is not null)
        {
            builder.SetValueDeserializer(new PooledValueDeserializer(values));
        }

        var consumer = builder
            .SetErrorHandler(callbacks.OnError)
            .SetLogHandler(callbacks.OnLog)
            .SetPartitionsAssignedHandler(callbacks.OnAssigned)
            .SetPartitionsRevokedHandler(callbacks.OnRevoked)
            .SetPartitionsLostHandler(callbacks.OnLost)
            .SetStatisticsHandler((_, json) => callbacks.OnStatistics(json))
            .Build();
        return new PollConsumer(consumer, (topic, timeout) => BrokersAnswer(consumer, topic, timeout));
    };

    private static bool BrokersAnswer(IConsumer<byte[]?, byte[]?> consumer, string topic, TimeSpan timeout)
    {
        try
        {
            using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            return admin.GetMetadata(topic, timeout).Brokers.Count > 0;
        }
        catch (KafkaException)
        {
            return false;
        }
    }
}
