using Confluent.Kafka;

namespace StreamHeal.Kafka;

public enum KafkaErrorAction
{
    /// <summary>Transient: librdkafka recovers or the caller retries with backoff.</summary>
    Retry,
    /// <summary>The message is over a size limit: make it smaller, retrying the same bytes cannot succeed.</summary>
    Shrink,
    /// <summary>The consumer's position is gone from the broker: log the lost range and seek per kafka.startFrom.</summary>
    OffsetReset,
    /// <summary>Retrying cannot help (authorisation, an invalid topic): the service stops with a clear message.</summary>
    Permanent,
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
            ErrorCode.MsgSizeTooLarge => KafkaErrorAction.Shrink,
            ErrorCode.Local_AutoOffsetReset or ErrorCode.OffsetOutOfRange => KafkaErrorAction.OffsetReset,
            ErrorCode.TopicAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed or ErrorCode.GroupAuthorizationFailed
                or ErrorCode.TopicException or ErrorCode.Local_UnknownTopic => KafkaErrorAction.Permanent,
            _ => KafkaErrorAction.Retry,
        };
    }

    /// <summary>Whether a DLQ send failure is a dependency outage (retry without limit) rather than a bug.</summary>
    public static bool IsTransientProduceFailure(Exception exception) =>
        exception is KafkaException kafka && Classify(kafka.Error) == KafkaErrorAction.Retry;
}
