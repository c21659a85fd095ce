using Confluent.Kafka;

namespace StreamHeal.Kafka;

/// <summary>
/// Kafka positions as people read them in logs: <c>events[0]</c> and <c>events[0]@42</c>. Confluent.Kafka's own
/// <c>ToString()</c> gives <c>events [[0]]</c> and <c>events [[0]] @Beginning [-2]</c>.
/// </summary>
public static class KafkaText
{
    public static string Of(TopicPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return Of(partition.Topic, partition.Partition.Value);
    }

    public static string Of(string topic, int partition) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{topic}[{partition}]");

    /// <summary>A position; librdkafka's special offsets by name (<c>events[0]@beginning</c>).</summary>
    public static string Of(TopicPartitionOffset position)
    {
        ArgumentNullException.ThrowIfNull(position);
        return Of(position.Topic, position.Partition.Value) + "@" + Of(position.Offset);
    }

    /// <summary>An offset; the special ones by name: <c>beginning</c>, <c>end</c>, <c>stored</c>, <c>unset</c>.</summary>
    public static string Of(Offset offset) =>
        offset == Offset.Beginning ? "beginning"
        : offset == Offset.End ? "end"
        : offset == Offset.Stored ? "stored"
        : offset == Offset.Unset ? "unset"
        : offset.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Partitions joined by ", ".</summary>
    public static string Of(IEnumerable<TopicPartition> partitions) => string.Join(", ", partitions.Select(Of));
}
