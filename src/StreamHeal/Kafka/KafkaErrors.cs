using Confluent.Kafka;

namespace StreamHeal.Kafka;

public enum KafkaErrorAction
{
    /// <summary>Transient: librdkafka recovers or the caller retries with backoff.</summary>
    Retry,
    /// <summary>The message is over a size limit: make it smaller, retrying the same bytes cannot succeed.</summary>
    Shrink,
    /// <summary>
    /// The topic refuses the message's timestamp (its message.timestamp.before.max.ms or after.max.ms): retrying the
    /// same timestamp cannot succeed, one stamped now can.
    /// </summary>
    Restamp,
    /// <summary>The consumer's position is gone from the broker: log the lost range and seek per kafka.startFrom.</summary>
    OffsetReset,
    /// <summary>Retrying cannot help (authorisation, an invalid topic): the service stops with a clear message.</summary>
    Permanent,
    /// <summary>The client cannot continue; the service stops with this error.</summary>
    Fatal,
}

/// <summary>What the poll loop does with an error the consumer reports.</summary>
public enum ConsumeErrorAction
{
    /// <summary>
    /// The error is about one message's bytes (a corrupt or undecompressable message set, a key or value that could not be
    /// deserialized): that message goes to the DLQ with whatever bytes exist, so the offset never passes it as a gap.
    /// </summary>
    DeadLetter,
    /// <summary>The position is gone from the broker: log the lost range and seek per kafka.startFrom.</summary>
    OffsetReset,
    /// <summary>
    /// A partition- or broker-level condition (authorization, unknown topic or partition, leader changes, timeouts,
    /// coordinator errors, brokers down). The offset it carries is the next fetch position, a message not read yet:
    /// nothing is registered, the condition is logged once, counted and retried until kafka.fatalAfter.
    /// </summary>
    Condition,
    /// <summary>The client cannot continue; the service stops with this error.</summary>
    Fatal,
}

/// <summary>The one place Kafka errors are classified.</summary>
public static class KafkaErrors
{
    public static KafkaErrorAction Classify(Error error)
    {
        if (error.IsFatal)
        {
            return KafkaErrorAction.Fatal;
        }

        return error.Code switch
        {
            // A client that had a fatal error purges what it had queued and refuses new sends; neither passes.
            ErrorCode.Local_Fatal or ErrorCode.Local_PurgeQueue or ErrorCode.Local_PurgeInflight => KafkaErrorAction.Fatal,
            ErrorCode.MsgSizeTooLarge => KafkaErrorAction.Shrink,
            ErrorCode.InvalidTimestamp => KafkaErrorAction.Restamp,
            ErrorCode.Local_AutoOffsetReset or ErrorCode.OffsetOutOfRange => KafkaErrorAction.OffsetReset,
            ErrorCode.TopicAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed or ErrorCode.GroupAuthorizationFailed
                or ErrorCode.TopicException or ErrorCode.Local_UnknownTopic => KafkaErrorAction.Permanent,
            // The broker refuses the record itself, and would refuse it again: a compacted topic and a record without a
            // key, a broker-side policy, a message format or acks setting the topic does not take.
            ErrorCode.InvalidRecord or ErrorCode.PolicyViolation or ErrorCode.UnsupportedForMessageFormat
                or ErrorCode.InvalidRequiredAcks => KafkaErrorAction.Permanent,
            _ => KafkaErrorAction.Retry,
        };
    }

    /// <summary>
    /// Classifies an error the consumer reports from a poll. Only errors about a message's own bytes may become a dead
    /// letter; librdkafka reports partition-level fetch errors (TOPIC_AUTHORIZATION_FAILED, REQUEST_TIMED_OUT,
    /// NOT_LEADER ...) at the partition's next fetch position, the offset of a real message that has not been read.
    /// The code decides, never the presence of bytes: librdkafka puts its error text where the value would be.
    /// </summary>
    public static ConsumeErrorAction ClassifyConsume(Error error)
    {
        if (error.IsFatal)
        {
            return ConsumeErrorAction.Fatal;
        }

        return error.Code switch
        {
            ErrorCode.Local_AutoOffsetReset or ErrorCode.OffsetOutOfRange => ConsumeErrorAction.OffsetReset,
            // Not InvalidMsg: the broker's CORRUPT_MESSAGE is a partition-level Fetch error at the next fetch position.
            ErrorCode.Local_BadMsg or ErrorCode.Local_BadCompression
                or ErrorCode.Local_KeyDeserialization or ErrorCode.Local_ValueDeserialization => ConsumeErrorAction.DeadLetter,
            _ => ConsumeErrorAction.Condition,
        };
    }

    /// <summary>What an operator does about a Kafka condition that did not clear; part of the message the service stops with.</summary>
    public static string Remedy(ErrorCode code, string topic, string groupId, string bootstrapServers) => code switch
    {
        ErrorCode.TopicAuthorizationFailed =>
            $"grant this client's principal Read and Describe on topic '{topic}' (and Write on its DLQ topic), or fix kafka.properties' SASL/TLS identity",
        ErrorCode.GroupAuthorizationFailed => $"grant this client's principal Read on consumer group '{groupId}'",
        ErrorCode.ClusterAuthorizationFailed => "grant this client's principal the cluster permissions it needs, or fix kafka.properties' SASL/TLS identity",
        ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition =>
            $"create topic '{topic}' or correct kafka.topics",
        ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Transport or ErrorCode.Local_Resolve =>
            $"check that kafka.bootstrapServers ({bootstrapServers}) is reachable from here and that kafka.properties' security settings match the listener",
        ErrorCode.Local_Authentication or ErrorCode.SaslAuthenticationFailed =>
            "fix the SASL credentials in kafka.properties",
        ErrorCode.Local_Ssl => "fix the TLS settings in kafka.properties (ssl.ca.location, certificates)",
        _ => $"check the health of the brokers serving topic '{topic}' (leaders, replicas, coordinator)",
    };

    /// <summary>Whether a DLQ send failure is a dependency outage (retry without limit) rather than a bug.</summary>
    public static bool IsTransientProduceFailure(Exception exception) =>
        exception is KafkaException kafka && Classify(kafka.Error) == KafkaErrorAction.Retry;
}
