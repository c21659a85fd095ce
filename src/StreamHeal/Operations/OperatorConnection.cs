using Confluent.Kafka;
using StreamHeal.Kafka;

namespace StreamHeal.Operations;

/// <summary>
/// Where operator commands connect: the brokers and the security settings (<c>security.*</c>, <c>sasl.*</c>,
/// <c>ssl.*</c>, <c>client.id</c>) the service itself uses. Clients built here never join the service's group
/// unless a command means to.
/// </summary>
public sealed record OperatorConnection(string BootstrapServers, IReadOnlyDictionary<string, string> Properties)
{
    /// <summary>Bounds each broker request (metadata, watermarks, committed offsets).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    public OperatorConnection(string bootstrapServers)
        : this(bootstrapServers, new Dictionary<string, string>(StringComparer.Ordinal))
    {
    }

    /// <summary>A consumer that reads by assignment; <paramref name="groupId"/> is only where offsets are committed.</summary>
    public ConsumerConfig Consumer(string groupId)
    {
        var config = new ConsumerConfig(Shared())
        {
            BootstrapServers = BootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            AllowAutoCreateTopics = false,
        };
        config.Set("log_level", "3");
        return config;
    }

    /// <summary>Idempotent and acks=all: a retried send never duplicates, and an acknowledged one is on every replica.</summary>
    public ProducerConfig Producer()
    {
        var config = new ProducerConfig(Shared())
        {
            BootstrapServers = BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            MessageTimeoutMs = 30_000,
        };
        config.Set("log_level", "3");
        return config;
    }

    public AdminClientConfig Admin() => new(Shared()) { BootstrapServers = BootstrapServers };

    private Dictionary<string, string> Shared() => KafkaConfigBuilder.SharedClientProperties(Properties);
}
