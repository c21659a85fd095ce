using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;
using StreamHeal.Records;

namespace StreamHeal.DeadLetter;

/// <summary>
/// Builds the DLQ record: the original key, value and headers, plus context headers a person can act on, and a
/// value truncated to fit the DLQ's size limit (with the original size and SHA-256, so the original can be found).
/// </summary>
public sealed class DeadLetterMessageBuilder(string consumerGroup, TimeProvider timeProvider)
{
    // Record framing and header overhead that librdkafka counts against message.max.bytes.
    private const int FramingAllowance = 512;

    private const string StreamHealPrefix = "streamheal.";

    public Message<byte[]?, byte[]?> Build(IngestRecord record, int maxMessageBytes)
    {
        var failure = record.Failure ?? throw new InvalidOperationException($"Record {record} has no failure to dead-letter.");
        var headers = new Headers();
        if (record.Headers is not null)
        {
            foreach (var header in record.Headers)
            {
                // A replayed record keeps its replay count (so dlq replay --max-replays can stop a record that fails
                // every time); any other streamheal.* header on it is a stale copy of the context added below.
                if (!header.Key.StartsWith(StreamHealPrefix, StringComparison.Ordinal)
                    || header.Key is DeadLetterHeaders.ReplayCount or DeadLetterHeaders.ReplayOf)
                {
                    headers.Add(header.Key, header.GetValueBytes());
                }
            }
        }

        Add(headers, DeadLetterHeaders.ErrorType, failure.Type);
        Add(headers, DeadLetterHeaders.ErrorMessage, Truncate(failure.Message, 4_096));
        Add(headers, DeadLetterHeaders.ErrorStage, failure.Stage);
        Add(headers, DeadLetterHeaders.OriginalTopic, record.Topic);
        Add(headers, DeadLetterHeaders.OriginalPartition, record.Partition.ToString(CultureInfo.InvariantCulture));
        Add(headers, DeadLetterHeaders.OriginalOffset, record.Offset.ToString(CultureInfo.InvariantCulture));
        Add(headers, DeadLetterHeaders.OriginalTimestamp, record.Timestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Add(headers, DeadLetterHeaders.Attempts, record.Attempts.ToString(CultureInfo.InvariantCulture));
        Add(headers, DeadLetterHeaders.ConsumerGroup, consumerGroup);
        Add(headers, DeadLetterHeaders.FailedAt, timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));

        var value = record.Value;
        var size = (record.Key?.Length ?? 0) + (value?.Length ?? 0) + HeaderBytes(headers) + FramingAllowance;
        if (value is not null && size > maxMessageBytes)
        {
            var keep = Math.Max(0, value.Length - (size - maxMessageBytes) - 128);
            Add(headers, DeadLetterHeaders.ValueTruncated, value.Length.ToString(CultureInfo.InvariantCulture));
            Add(headers, DeadLetterHeaders.ValueSha256, Convert.ToHexStringLower(SHA256.HashData(value)));
            value = value.AsSpan(0, keep).ToArray();
        }

        return new Message<byte[]?, byte[]?>
        {
            Key = record.Key,
            Value = value,
            Headers = headers,
            Timestamp = new Timestamp(record.Timestamp),
        };
    }

    private static int HeaderBytes(Headers headers)
    {
        var total = 0;
        foreach (var header in headers)
        {
            total += header.Key.Length + (header.GetValueBytes()?.Length ?? 0) + 8;
        }

        return total;
    }

    private static void Add(Headers headers, string key, string value) => headers.Add(key, Encoding.UTF8.GetBytes(value));

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
