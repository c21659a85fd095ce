using System.Globalization;
using System.Text;
using Confluent.Kafka;
using StreamHeal.DeadLetter;

namespace StreamHeal.Operations.Dlq;

/// <summary>The record a replay produces: the original key, value and headers, plus where it came from and how often.</summary>
public static class ReplayMessage
{
    public static Message<byte[]?, byte[]?> Build(DeadLetterRecord record)
    {
        var headers = new Headers();
        foreach (var (name, value) in record.Headers)
        {
            // The DLQ's own context (and an earlier replay's) is not the original record's.
            if (!name.StartsWith(DeadLetterRecord.StreamHealPrefix, StringComparison.Ordinal))
            {
                headers.Add(name, value);
            }
        }

        headers.Add(DeadLetterHeaders.ReplayOf, Encoding.UTF8.GetBytes(record.DlqPosition));
        headers.Add(DeadLetterHeaders.ReplayCount, Encoding.UTF8.GetBytes((record.ReplayCount + 1).ToString(CultureInfo.InvariantCulture)));
        return new Message<byte[]?, byte[]?>
        {
            Key = record.Key,
            Value = record.Value,
            Headers = headers,
            Timestamp = record.OriginalTimestamp is { } at ? new Timestamp(at) : Timestamp.Default,
        };
    }

    /// <summary>
    /// The replay marker of <paramref name="record"/>: no key or value, <see cref="DeadLetterHeaders.Replayed"/> naming
    /// it, and its original position headers so a later run knows the source record was handled.
    /// </summary>
    public static Message<byte[]?, byte[]?> Marker(DeadLetterRecord record)
    {
        var headers = new Headers { { DeadLetterHeaders.Replayed, Encoding.UTF8.GetBytes(record.DlqPosition) } };
        foreach (var name in (string[])[DeadLetterHeaders.OriginalTopic, DeadLetterHeaders.OriginalPartition, DeadLetterHeaders.OriginalOffset])
        {
            if (record.StreamHealHeaders.TryGetValue(name, out var value))
            {
                headers.Add(name, Encoding.UTF8.GetBytes(value));
            }
        }

        return new Message<byte[]?, byte[]?> { Key = null, Value = null, Headers = headers };
    }
}
