using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace StreamHeal.DeadLetter;

/// <summary>One record read back from a DLQ topic.</summary>
public sealed record DeadLetterEntry(
    string OriginalTopic,
    int OriginalPartition,
    long OriginalOffset,
    string ErrorType,
    string ErrorMessage,
    string ErrorStage,
    IReadOnlyDictionary<string, string> Headers,
    byte[]? Value);

/// <summary>
/// Reads a whole DLQ topic from the beginning to its current end, without a consumer group, skipping the
/// start-up check's probe records and <c>dlq replay</c>'s markers. Used by the demo's verdict and by tests.
/// </summary>
public static class DeadLetterReader
{
    public static List<DeadLetterEntry> ReadAll(string bootstrapServers, string topic, TimeSpan timeout)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "streamheal-dlq-reader",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, timeout);
        var partitions = metadata.Topics.Count == 0 || metadata.Topics[0].Error.IsError
            ? []
            : metadata.Topics[0].Partitions.ConvertAll(p => new TopicPartition(topic, p.PartitionId));
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();
        var entries = new List<DeadLetterEntry>();
        var ends = new Dictionary<TopicPartition, long>();
        foreach (var partition in partitions)
        {
            var high = consumer.QueryWatermarkOffsets(partition, timeout).High.Value;
            if (high > 0)
            {
                ends[partition] = high;
            }
        }

        consumer.Assign(ends.Keys.Select(static p => new TopicPartitionOffset(p, Offset.Beginning)));
        var deadline = DateTime.UtcNow + timeout;
        while (ends.Count > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Reading DLQ topic '{topic}' did not reach its end within {timeout}; {ends.Count} partitions left.");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            if (result.Offset.Value + 1 >= ends.GetValueOrDefault(result.TopicPartition, long.MaxValue))
            {
                ends.Remove(result.TopicPartition);
            }

            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var header in result.Message.Headers ?? [])
            {
                headers[header.Key] = Encoding.UTF8.GetString(header.GetValueBytes() ?? []);
            }

            if (headers.ContainsKey(DeadLetterHeaders.Probe) || headers.ContainsKey(DeadLetterHeaders.Replayed))
            {
                continue;
            }

            entries.Add(new DeadLetterEntry(
                headers.GetValueOrDefault(DeadLetterHeaders.OriginalTopic, ""),
                int.Parse(headers.GetValueOrDefault(DeadLetterHeaders.OriginalPartition, "-1"), CultureInfo.InvariantCulture),
                long.Parse(headers.GetValueOrDefault(DeadLetterHeaders.OriginalOffset, "-1"), CultureInfo.InvariantCulture),
                headers.GetValueOrDefault(DeadLetterHeaders.ErrorType, ""),
                headers.GetValueOrDefault(DeadLetterHeaders.ErrorMessage, ""),
                headers.GetValueOrDefault(DeadLetterHeaders.ErrorStage, ""),
                headers,
                result.Message.Value));
        }

        consumer.Close();
        return entries;
    }
}
