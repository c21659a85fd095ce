using Confluent.Kafka;

namespace StreamHeal.IntegrationTests.Kafka;

/// <summary>Client settings that behave well against the mock cluster; start from these and override per test.</summary>
public static class KafkaTestSettings
{
    /// <summary>
    /// A rebalance on the mock takes about session.timeout.ms: ~44 s with the 45 s default, ~5 s with 6000,
    /// and below ~3000 members are never assigned.
    /// </summary>
    public const int SessionTimeoutMs = 6000;

    /// <summary>Generous bound for one wait in a test (delivery, assignment, draining a topic).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Earliest offsets, no auto-commit, no auto offset store: tests commit what they mean to.</summary>
    public static ConsumerConfig Consumer(string bootstrapServers, string groupId) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        SessionTimeoutMs = SessionTimeoutMs,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
    };

    /// <summary>Idempotent, acks=all: retries never duplicate or reorder.</summary>
    public static ProducerConfig Producer(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 5,
    };
}
