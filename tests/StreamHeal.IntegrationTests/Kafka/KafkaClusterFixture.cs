using StreamHeal.Dev.Kafka;
using Xunit;

namespace StreamHeal.IntegrationTests.Kafka;

/// <summary>
/// One 3-broker mock cluster shared by every test class in <see cref="KafkaCollection"/>, with the group initial
/// rebalance delay at 0 so a new consumer group gets its assignment in well under a second.
/// </summary>
/// <remarks>
/// Use <see cref="NewTopic"/> for a fresh topic per test. Fault injection (broker down, RTT, request errors) is
/// cluster-wide: undo it in a <c>finally</c> so the next test starts from a healthy cluster.
/// </remarks>
public sealed class KafkaClusterFixture : IAsyncLifetime
{
    public const int Brokers = 3;

    public KafkaClusterFixture()
    {
        Cluster = MockKafkaCluster.Start(Brokers);
        Cluster.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
    }

    public MockKafkaCluster Cluster { get; }

    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>Creates a topic named <c>{prefix}-{random}</c> with replication factor 1 and returns its name.</summary>
    public string NewTopic(string prefix, int partitions)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        Cluster.CreateTopic(name, partitions);
        return name;
    }

    /// <summary>A group id no other test uses.</summary>
    public static string NewGroupId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Cluster.DisposeAsync().AsTask();
}

/// <summary>Put <c>[Collection(KafkaCollection.Name)]</c> on a test class to get <see cref="KafkaClusterFixture"/> injected.</summary>
[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaClusterFixture>
{
    public const string Name = "kafka";
}
