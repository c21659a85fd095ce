namespace StreamHeal.DeadLetter;

/// <summary>Header names on every DLQ record. Stable: people query and replay by them.</summary>
public static class DeadLetterHeaders
{
    public const string ErrorType = "streamheal.error.type";
    public const string ErrorMessage = "streamheal.error.message";
    public const string ErrorStage = "streamheal.error.stage";
    public const string OriginalTopic = "streamheal.original.topic";
    public const string OriginalPartition = "streamheal.original.partition";
    public const string OriginalOffset = "streamheal.original.offset";
    public const string OriginalTimestamp = "streamheal.original.timestamp";
    public const string Attempts = "streamheal.attempts";
    public const string ConsumerGroup = "streamheal.consumer.group";
    public const string FailedAt = "streamheal.failed.at";
    public const string ValueTruncated = "streamheal.value.truncated";
    public const string ValueSha256 = "streamheal.value.sha256";

    /// <summary>How many of the record's own headers were left out to fit the DLQ's limit.</summary>
    public const string HeadersDropped = "streamheal.headers.dropped";

    /// <summary>The key's original size, when it was cut to fit the DLQ's limit; its SHA-256 is beside it.</summary>
    public const string KeyTruncated = "streamheal.key.truncated";
    public const string KeySha256 = "streamheal.key.sha256";

    /// <summary>On a replayed record: the dead letter it came from, as <c>dlqTopic/partition/offset</c>.</summary>
    public const string ReplayOf = "streamheal.replay.of";

    /// <summary>
    /// On a replayed record: how often it has been replayed. Copied with the other original headers into a new dead
    /// letter when the replay fails again, so <c>dlq replay --max-replays</c> can stop a record that always fails.
    /// </summary>
    public const string ReplayCount = "streamheal.replay.count";

    /// <summary>Marks the start-up check's record; DLQ readers skip records that carry it.</summary>
    public const string Probe = "streamheal.probe";

    /// <summary>
    /// Marks a replay marker: a record without value that <c>dlq replay</c> appends to the DLQ partition of each dead
    /// letter it replayed, naming it (<c>dlqTopic/partition/offset</c>), with that record's original position headers.
    /// It is the replay's progress per record; DLQ readers skip records that carry it.
    /// </summary>
    public const string Replayed = "streamheal.replayed";
}
