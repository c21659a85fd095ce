using StreamHeal.DeadLetter;
using StreamHeal.Hosting;
using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.Tests.Kafka;

public sealed class TopicNamesTests
{
    [Theory]
    [InlineData("events")]
    [InlineData("app.events-v2_raw")]
    [InlineData("events.dlq")]
    public void Legal_names_pass(string name) => Assert.Null(TopicNames.Problem(name));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("^events.*", "regular-expression")]
    [InlineData("events/raw", "'/' is not allowed")]
    [InlineData("events raw", "' ' is not allowed")]
    [InlineData("événements", "'é' is not allowed")]
    [InlineData("..", "'.' or '..'")]
    public void Illegal_names_say_why(string name, string why) => Assert.Contains(why, TopicNames.Problem(name), StringComparison.Ordinal);

    [Fact]
    public void A_name_longer_than_kafka_allows_is_refused()
    {
        Assert.Null(TopicNames.Problem(new string('a', TopicNames.MaxLength)));
        Assert.Contains("Kafka allows 249", TopicNames.Problem(new string('a', TopicNames.MaxLength + 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void Kafka_options_name_each_topic_that_is_not_a_topic_name()
    {
        var options = new KafkaOptions { BootstrapServers = "b:9092", GroupId = "g", Topics = ["events", "^logs.*", "a b"] };

        var problems = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage).ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p!.Contains("'^logs.*'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p!.Contains("'a b'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_default_dlq_template_and_checkpoint_topic_are_fine()
    {
        Assert.Empty(StreamHealServices.TopicProblems(["events", "orders"], new DeadLetterOptions(), "streamheal.streamheal-checkpoints"));
    }

    [Fact]
    public void A_dlq_topic_that_is_its_own_source_or_another_source_is_refused()
    {
        var own = StreamHealServices.TopicProblems(["events"], new DeadLetterOptions { TopicTemplate = "{topic}" }, null).Single();
        Assert.Contains("'events' the DLQ topic of 'events', and kafka.topics reads it", own, StringComparison.Ordinal);

        var other = StreamHealServices.TopicProblems(["events", "events.dlq"], new DeadLetterOptions(), null).Single();
        Assert.Contains("'events.dlq' the DLQ topic of 'events'", other, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dlq_template_that_makes_an_illegal_name_is_refused()
    {
        var problem = StreamHealServices.TopicProblems(["events"], new DeadLetterOptions { TopicTemplate = "dlq/{topic}" }, null).Single();
        Assert.Contains("[dlq.topicTemplate] 'dlq/{topic}' makes 'dlq/events' the DLQ topic of 'events', which is not a Kafka topic name: '/' is not allowed", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("team:ingest.streamheal-checkpoints", "':' is not allowed")]
    [InlineData("events", "need a topic of their own")]
    [InlineData("events.dlq", "need a topic of their own")]
    public void A_checkpoint_topic_that_is_illegal_or_taken_is_refused(string checkpoints, string why)
    {
        var problem = StreamHealServices.TopicProblems(["events"], new DeadLetterOptions(), checkpoints).Single();
        Assert.StartsWith("[sink.bigquery.checkpointTopic]", problem, StringComparison.Ordinal);
        Assert.Contains(why, problem, StringComparison.Ordinal);
    }
}
