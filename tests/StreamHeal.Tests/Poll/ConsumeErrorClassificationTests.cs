using Confluent.Kafka;
using StreamHeal.Kafka;
using StreamHeal.Poll;
using Xunit;

namespace StreamHeal.Tests.Poll;

public sealed class ConsumeErrorClassificationTests
{
    [Theory]
    [InlineData(ErrorCode.TopicAuthorizationFailed)]
    [InlineData(ErrorCode.GroupAuthorizationFailed)]
    [InlineData(ErrorCode.UnknownTopicOrPart)]
    [InlineData(ErrorCode.NotLeaderForPartition)]
    [InlineData(ErrorCode.LeaderNotAvailable)]
    [InlineData(ErrorCode.RequestTimedOut)]
    [InlineData(ErrorCode.NotCoordinatorForGroup)]
    [InlineData(ErrorCode.Local_AllBrokersDown)]
    [InlineData(ErrorCode.Local_Transport)]
    [InlineData(ErrorCode.KafkaStorageError)]
    [InlineData(ErrorCode.InvalidMsg)]
    public void Partition_and_broker_errors_are_conditions(ErrorCode code) =>
        Assert.Equal(ConsumeErrorAction.Condition, KafkaErrors.ClassifyConsume(new Error(code)));

    [Theory]
    [InlineData(ErrorCode.Local_BadMsg)]
    [InlineData(ErrorCode.Local_BadCompression)]
    public void Errors_about_a_messages_bytes_are_dead_letters(ErrorCode code) =>
        Assert.Equal(ConsumeErrorAction.DeadLetter, KafkaErrors.ClassifyConsume(new Error(code)));

    // librdkafka puts its error text where the value would be, so bytes alongside an error say nothing about a message.
    [Theory]
    [InlineData(ErrorCode.Local_KeyDeserialization)]
    [InlineData(ErrorCode.Local_ValueDeserialization)]
    public void Records_that_could_not_be_deserialized_are_dead_letters(ErrorCode code) =>
        Assert.Equal(ConsumeErrorAction.DeadLetter, KafkaErrors.ClassifyConsume(new Error(code)));

    [Theory]
    [InlineData(ErrorCode.Local_AutoOffsetReset)]
    [InlineData(ErrorCode.OffsetOutOfRange)]
    public void Lost_positions_are_offset_resets(ErrorCode code) =>
        Assert.Equal(ConsumeErrorAction.OffsetReset, KafkaErrors.ClassifyConsume(new Error(code)));

    [Fact]
    public void Fatal_errors_are_fatal() =>
        Assert.Equal(ConsumeErrorAction.Fatal, KafkaErrors.ClassifyConsume(new Error(ErrorCode.Local_Fatal, "fenced", isFatal: true)));

    [Fact]
    public void The_remedy_for_an_authorization_failure_names_the_topic() =>
        Assert.Contains("topic 'events'", KafkaErrors.Remedy(ErrorCode.TopicAuthorizationFailed, "events", "g", "b:9092"), StringComparison.Ordinal);

    [Fact]
    public void Start_positions_are_summarised_as_ranges() =>
        Assert.Equal("partitions 0-2, 5, 7-8", StartSummary.Ranges([8, 0, 1, 2, 5, 7]));
}
