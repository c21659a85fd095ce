using System.Globalization;
using System.Text;
using StreamHeal.DeadLetter;
using StreamHeal.Operations.Dlq;

namespace StreamHeal.Tests.Operations;

/// <summary>Dead letters as the DLQ stage writes them, for the pure operator logic.</summary>
internal static class DeadLetterRecords
{
    public static DeadLetterRecord Make(
        long dlqOffset, int partition = 0, long offset = 0, string errorType = "invalid_json", string stage = "decode",
        string value = "{bad", int replayCount = 0, DateTimeOffset? failedAt = null, bool truncated = false, string? topic = "events",
        params (string Name, string Value)[] extra)
    {
        var headers = new List<KeyValuePair<string, byte[]>> { Header("trace", "t-1") };
        headers.Add(Header(DeadLetterHeaders.ErrorType, errorType));
        headers.Add(Header(DeadLetterHeaders.ErrorStage, stage));
        headers.Add(Header(DeadLetterHeaders.ErrorMessage, "bad at byte 3"));
        if (topic is not null)
        {
            headers.Add(Header(DeadLetterHeaders.OriginalTopic, topic));
            headers.Add(Header(DeadLetterHeaders.OriginalPartition, partition.ToString(CultureInfo.InvariantCulture)));
            headers.Add(Header(DeadLetterHeaders.OriginalOffset, offset.ToString(CultureInfo.InvariantCulture)));
        }

        headers.Add(Header(DeadLetterHeaders.OriginalTimestamp, "1700000000000"));
        headers.Add(Header(DeadLetterHeaders.FailedAt, (failedAt ?? DateTimeOffset.Parse("2026-12-06T08:00:00Z", CultureInfo.InvariantCulture)).ToString("O", CultureInfo.InvariantCulture)));
        if (replayCount > 0)
        {
            headers.Add(Header(DeadLetterHeaders.ReplayCount, replayCount.ToString(CultureInfo.InvariantCulture)));
            headers.Add(Header(DeadLetterHeaders.ReplayOf, "events.dlq/0/0"));
        }

        if (truncated)
        {
            headers.Add(Header(DeadLetterHeaders.ValueTruncated, "2000000"));
        }

        headers.AddRange(extra.Select(static e => Header(e.Name, e.Value)));
        return DeadLetterRecord.Create("events.dlq", 0, dlqOffset, Encoding.UTF8.GetBytes("k"), Encoding.UTF8.GetBytes(value), headers);
    }

    private static KeyValuePair<string, byte[]> Header(string name, string value) => new(name, Encoding.UTF8.GetBytes(value));
}
