using System.Globalization;
using System.Text;
using StreamHeal.DeadLetter;

namespace StreamHeal.Operations.Dlq;

/// <summary>Which source record a dead letter stands for; repeats of one failure share it.</summary>
public readonly record struct OriginalPosition(string Topic, int Partition, long Offset)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Topic}/{Partition}/{Offset}");
}

/// <summary>
/// One record of a DLQ topic with its <c>streamheal.*</c> headers parsed. Headers that are missing or malformed
/// (a record someone produced by hand) read as null, never as an exception.
/// </summary>
public sealed class DeadLetterRecord
{
    private DeadLetterRecord(string dlqTopic, int dlqPartition, long dlqOffset, byte[]? key, byte[]? value, IReadOnlyList<KeyValuePair<string, byte[]>> headers)
    {
        DlqTopic = dlqTopic;
        DlqPartition = dlqPartition;
        DlqOffset = dlqOffset;
        Key = key;
        Value = value;
        Headers = headers;
        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, bytes) in headers)
        {
            if (name.StartsWith(StreamHealPrefix, StringComparison.Ordinal))
            {
                own[name] = Encoding.UTF8.GetString(bytes);
            }
        }

        StreamHealHeaders = own;
    }

    public const string StreamHealPrefix = "streamheal.";

    public string DlqTopic { get; }

    public int DlqPartition { get; }

    public long DlqOffset { get; }

    public byte[]? Key { get; }

    public byte[]? Value { get; }

    /// <summary>Every header in record order, the original ones and the <c>streamheal.*</c> ones.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Headers { get; }

    /// <summary>The <c>streamheal.*</c> headers as text; the last one wins when a name repeats.</summary>
    public IReadOnlyDictionary<string, string> StreamHealHeaders { get; }

    public string DlqPosition => string.Create(CultureInfo.InvariantCulture, $"{DlqTopic}/{DlqPartition}/{DlqOffset}");

    public bool IsProbe => StreamHealHeaders.ContainsKey(DeadLetterHeaders.Probe);

    /// <summary>On a replay marker: the DLQ position of the dead letter that was replayed; null on a dead letter.</summary>
    public string? ReplayedPosition => Text(DeadLetterHeaders.Replayed);

    public string ErrorType => Text(DeadLetterHeaders.ErrorType) ?? "";

    public string ErrorStage => Text(DeadLetterHeaders.ErrorStage) ?? "";

    public string ErrorMessage => Text(DeadLetterHeaders.ErrorMessage) ?? "";

    public string? OriginalTopic => Text(DeadLetterHeaders.OriginalTopic);

    public int? OriginalPartition => int.TryParse(Text(DeadLetterHeaders.OriginalPartition), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : null;

    public long? OriginalOffset => long.TryParse(Text(DeadLetterHeaders.OriginalOffset), NumberStyles.Integer, CultureInfo.InvariantCulture, out var o) ? o : null;

    public DateTimeOffset? OriginalTimestamp =>
        long.TryParse(Text(DeadLetterHeaders.OriginalTimestamp), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public DateTimeOffset? FailedAt =>
        DateTimeOffset.TryParse(Text(DeadLetterHeaders.FailedAt), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    /// <summary>How often this record was already replayed: 0 for a first failure.</summary>
    public int ReplayCount => int.TryParse(Text(DeadLetterHeaders.ReplayCount), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0;

    /// <summary>The dead letter lost part of the record to the DLQ's limit (value, key or its own headers): it cannot be replayed as it was.</summary>
    public bool IsTruncated =>
        StreamHealHeaders.ContainsKey(DeadLetterHeaders.ValueTruncated) || StreamHealHeaders.ContainsKey(DeadLetterHeaders.KeyTruncated)
        || StreamHealHeaders.ContainsKey(DeadLetterHeaders.HeadersDropped);

    /// <summary>
    /// The source record this dead letter stands for; a record without the position headers stands only for itself
    /// (its DLQ position), so it is never taken for a repeat.
    /// </summary>
    public OriginalPosition Original => OriginalTopic is { } topic && OriginalPartition is { } partition && OriginalOffset is { } offset
        ? new OriginalPosition(topic, partition, offset)
        : new OriginalPosition(DlqTopic, DlqPartition, -1 - DlqOffset);

    public static DeadLetterRecord Create(string dlqTopic, int dlqPartition, long dlqOffset, byte[]? key, byte[]? value, IReadOnlyList<KeyValuePair<string, byte[]>> headers) =>
        new(dlqTopic, dlqPartition, dlqOffset, key, value, headers);

    private string? Text(string header) => StreamHealHeaders.GetValueOrDefault(header);
}
