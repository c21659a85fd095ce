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

    // A record header's own framing, at most.
    private const int HeaderOverhead = 8;

    // Room for the two headers that say what a cut removed (its size and its SHA-256).
    private const int CutAllowance = 160;

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

        var context = new Headers();
        Add(context, DeadLetterHeaders.ErrorType, failure.Type);
        // A small DLQ limit leaves the message less room, not the record's position.
        Add(context, DeadLetterHeaders.ErrorMessage, Truncate(failure.Message, Math.Min(4_096, maxMessageBytes / 8)));
        Add(context, DeadLetterHeaders.ErrorStage, failure.Stage);
        Add(context, DeadLetterHeaders.OriginalTopic, record.Topic);
        Add(context, DeadLetterHeaders.OriginalPartition, record.Partition.ToString(CultureInfo.InvariantCulture));
        Add(context, DeadLetterHeaders.OriginalOffset, record.Offset.ToString(CultureInfo.InvariantCulture));
        Add(context, DeadLetterHeaders.OriginalTimestamp, record.Timestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Add(context, DeadLetterHeaders.Attempts, record.Attempts.ToString(CultureInfo.InvariantCulture));
        Add(context, DeadLetterHeaders.ConsumerGroup, consumerGroup);
        Add(context, DeadLetterHeaders.FailedAt, timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));

        // What must fit besides the context. The value goes first (its hash finds the original); the record's own
        // headers go when they (with the key) leave no room for it; the key is cut only when it alone leaves none. A
        // record near the source topic's limit in headers or key is still poison that must reach the DLQ, not a dead
        // letter that can never be sent.
        var budget = maxMessageBytes - FramingAllowance - HeaderBytes(context);
        var key = record.Key;
        var value = record.Value;
        bool Over() => (key?.Length ?? 0) + (value?.Length ?? 0) + HeaderBytes(headers) > budget;

        if (Over() && headers.Count > 0 && (key?.Length ?? 0) + HeaderBytes(headers) + CutAllowance > budget)
        {
            Add(context, DeadLetterHeaders.HeadersDropped, headers.Count.ToString(CultureInfo.InvariantCulture));
            budget -= CutAllowance;
            headers = [];
        }

        if (Over() && value is not null && (key?.Length ?? 0) + HeaderBytes(headers) + CutAllowance <= budget)
        {
            budget -= CutAllowance;
            value = Cut(context, value, budget - (key?.Length ?? 0) - HeaderBytes(headers), DeadLetterHeaders.ValueTruncated, DeadLetterHeaders.ValueSha256);
        }

        if (Over() && key is not null)
        {
            // The key alone leaves no room: key and value share what there is.
            budget -= 2 * CutAllowance;
            if (value is not null && value.Length > budget / 2)
            {
                value = Cut(context, value, budget / 2, DeadLetterHeaders.ValueTruncated, DeadLetterHeaders.ValueSha256);
            }

            key = Cut(context, key, budget - (value?.Length ?? 0), DeadLetterHeaders.KeyTruncated, DeadLetterHeaders.KeySha256);
        }

        foreach (var header in context)
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        return new Message<byte[]?, byte[]?>
        {
            Key = key,
            Value = value,
            Headers = headers,
            Timestamp = new Timestamp(record.Timestamp),
        };
    }

    /// <summary>The first <paramref name="room"/> bytes, with headers giving the original's size and SHA-256.</summary>
    private static byte[] Cut(Headers context, byte[] bytes, int room, string sizeHeader, string hashHeader)
    {
        Add(context, sizeHeader, bytes.Length.ToString(CultureInfo.InvariantCulture));
        Add(context, hashHeader, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        return bytes.AsSpan(0, Math.Clamp(room, 0, bytes.Length)).ToArray();
    }

    private static int HeaderBytes(Headers headers)
    {
        var total = 0;
        foreach (var header in headers)
        {
            total += Encoding.UTF8.GetByteCount(header.Key) + (header.GetValueBytes()?.Length ?? 0) + HeaderOverhead;
        }

        return total;
    }

    private static void Add(Headers headers, string key, string value) => headers.Add(key, Encoding.UTF8.GetBytes(value));

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
