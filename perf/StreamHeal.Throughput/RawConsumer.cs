using System.Runtime.CompilerServices;
using Confluent.Kafka;
using StreamHeal.Kafka;
using StreamHeal.Pipeline;

namespace StreamHeal.Throughput;

/// <summary>
/// The ceiling (a): a plain group consumer with the pipeline's own fetch settings that does nothing per message but
/// count it. Auto commit is off and nothing is stored per message, so this is what librdkafka alone delivers.
/// </summary>
internal static class RawConsumer
{
    /// <param name="progress">Messages consumed so far, published every <see cref="ProgressEvery"/> messages for the report's charts.</param>
    public static Task<(long Messages, long ValueBytes)> ConsumeAsync(
        string bootstrapServers, string topic, string groupId, long expected, TimeSpan timeout, StrongBox<long> progress, CancellationToken cancellationToken) =>
        // Consume() blocks; give it its own thread instead of a pool thread the rest of the process may need.
        Task.Factory.StartNew(
            () => Consume(bootstrapServers, topic, groupId, expected, timeout, progress, cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    // A volatile write per message would be measured as consumer cost; one per thousand is not.
    private const int ProgressEvery = 1_000;

    private static (long, long) Consume(string bootstrapServers, string topic, string groupId, long expected, TimeSpan timeout, StrongBox<long> progress, CancellationToken cancellationToken)
    {
        var kafka = new KafkaOptions { BootstrapServers = bootstrapServers, GroupId = groupId, Topics = [topic], SessionTimeoutMs = 6_000 };
        var config = KafkaConfigBuilder.Consumer(kafka, new PipelineOptions().PrefetchKBytes);
        config.EnableAutoCommit = false;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        Error? fatal = null;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler(static (_, _) => { })
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal)
                {
                    fatal = e;
                }
            })
            .Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow + timeout;
        long messages = 0;
        long bytes = 0;
        while (messages < expected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (fatal is not null)
            {
                throw new KafkaException(fatal);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The raw consumer read {messages:N0} of {expected:N0} messages within {timeout}.");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message is { } message)
            {
                messages++;
                bytes += message.Value?.Length ?? 0;
                if (messages % ProgressEvery == 0)
                {
                    Volatile.Write(ref progress.Value, messages);
                }
            }
        }

        Volatile.Write(ref progress.Value, messages);

        consumer.Close();
        return (messages, bytes);
    }
}
