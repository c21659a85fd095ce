using StreamHeal.TestSupport;
using Confluent.Kafka;
using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.Tests.Kafka;

public sealed class KafkaTextTests
{
    [Fact]
    public void Partitions_and_positions_read_without_double_brackets()
    {
        Assert.Equal("events[0]", KafkaText.Of(new TopicPartition("events", 0)));
        Assert.Equal("events[3]@42", KafkaText.Of(new TopicPartitionOffset("events", 3, 42)));
        Assert.Equal("events[3]@beginning", KafkaText.Of(new TopicPartitionOffset("events", 3, Offset.Beginning)));
        Assert.Equal("events[0], events[1]", KafkaText.Of([new TopicPartition("events", 0), new TopicPartition("events", 1)]));
    }

    [Fact]
    public void Log_lines_naming_a_partition_show_it_as_topic_and_index()
    {
        var logger = new CapturingLogger();

        StreamHeal.Telemetry.Log.OffsetResetBack(logger, new TopicPartition("events", 0), 5, 3, 0, StartFrom.Earliest);
        StreamHeal.Telemetry.Log.OffsetResetSkipped(logger, new TopicPartition("events", 1), 7, 7, 9, StartFrom.Earliest);

        Assert.StartsWith("Offset reset on events[0]:", logger.Entries[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("Offset reset on events[1]:", logger.Entries[1].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Entries, e => e.Message.Contains("[[", StringComparison.Ordinal));
    }
}
