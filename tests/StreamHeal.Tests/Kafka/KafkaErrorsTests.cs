using Confluent.Kafka;
using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.Tests.Kafka;

/// <summary>What a produce error means for a dead letter: waiting helps only where the condition can pass.</summary>
public sealed class KafkaErrorsTests
{
    [Theory]
    [InlineData(ErrorCode.NotEnoughReplicas, KafkaErrorAction.Retry)]
    [InlineData(ErrorCode.RequestTimedOut, KafkaErrorAction.Retry)]
    [InlineData(ErrorCode.Local_MsgTimedOut, KafkaErrorAction.Retry)]
    [InlineData(ErrorCode.LeaderNotAvailable, KafkaErrorAction.Retry)]
    [InlineData(ErrorCode.MsgSizeTooLarge, KafkaErrorAction.Shrink)]
    [InlineData(ErrorCode.InvalidTimestamp, KafkaErrorAction.Restamp)]
    [InlineData(ErrorCode.InvalidRecord, KafkaErrorAction.Permanent)]
    [InlineData(ErrorCode.PolicyViolation, KafkaErrorAction.Permanent)]
    [InlineData(ErrorCode.UnsupportedForMessageFormat, KafkaErrorAction.Permanent)]
    [InlineData(ErrorCode.InvalidRequiredAcks, KafkaErrorAction.Permanent)]
    [InlineData(ErrorCode.TopicAuthorizationFailed, KafkaErrorAction.Permanent)]
    [InlineData(ErrorCode.Local_UnknownTopic, KafkaErrorAction.Permanent)]
    // After a fatal error the producer purges its queue and refuses sends; the errors it gives then are not flagged fatal.
    [InlineData(ErrorCode.Local_PurgeQueue, KafkaErrorAction.Fatal)]
    [InlineData(ErrorCode.Local_PurgeInflight, KafkaErrorAction.Fatal)]
    [InlineData(ErrorCode.Local_Fatal, KafkaErrorAction.Fatal)]
    public void A_produce_error_is_classified_by_whether_retrying_the_same_record_can_succeed(ErrorCode code, KafkaErrorAction expected) =>
        Assert.Equal(expected, KafkaErrors.Classify(new Error(code)));

    [Fact]
    public void Only_a_passing_condition_is_a_transient_produce_failure()
    {
        Assert.True(KafkaErrors.IsTransientProduceFailure(new KafkaException(ErrorCode.NotEnoughReplicas)));
        Assert.False(KafkaErrors.IsTransientProduceFailure(new KafkaException(ErrorCode.InvalidTimestamp)));
        Assert.False(KafkaErrors.IsTransientProduceFailure(new KafkaException(ErrorCode.InvalidRecord)));
        Assert.False(KafkaErrors.IsTransientProduceFailure(new KafkaException(new Error(ErrorCode.Local_Fatal, "fatal", isFatal: true))));
    }
}
