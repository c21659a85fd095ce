using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>Brokers disconnecting and refusing connections, then coming back; the goal is rows again within 5 s.</summary>
[Trait(FaultMatrix.Trait, FaultMatrix.Value)]
[Collection(ReliabilityCollection.Name)]
public sealed class BrokerOutageTests(ReliabilityFixture fixture, ITestOutputHelper output)
{
    private const string Family = "Broker outages";
    private static readonly TimeSpan LeaderOutage = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AllBrokersOutage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Leader_of_half_the_partitions_down_and_up()
    {
        await using var experiment = await FaultExperiment.CreateAsync(fixture, output, "leader-down", start: false);
        int[] led = [0, 1, 2];
        foreach (var partition in FaultExperiment.AllPartitions)
        {
            experiment.Cluster.SetPartitionLeader(experiment.Scenario.Topic, partition, led.Contains(partition) ? 2 : 3);
        }

        // The group's coordinator on a broker that stays up: this is a leader outage. On broker 2 (the group name's
        // hash decides, so some runs) the 5 s outage could outlast the session, and the resume then waited for a rejoin.
        experiment.Cluster.SetCoordinator("group", experiment.Scenario.Group, 3);
        await experiment.StartAsync();
        experiment.Cluster.SetBrokerDown(2);
        try
        {
            experiment.ProduceSecondHalf();
            await FaultExperiment.HoldAsync(LeaderOutage);
        }
        finally
        {
            experiment.Cluster.SetBrokerUp(2);
        }

        await experiment.FaultClearedAsync(led);
        await experiment.FinishAsync(Family, "Leader of half the partitions down",
            $"broker 2, leader of partitions 0-2 of 6, set down for {LeaderOutage.TotalSeconds:0} s (rd_kafka_mock_broker_set_down), then up; resume measured on its partitions",
            ReliabilityRow.BrokerResumeGoal,
            $"{nameof(BrokerOutageTests)}.{nameof(Leader_of_half_the_partitions_down_and_up)}");
    }

    [Fact]
    public async Task All_brokers_down_30_s()
    {
        await using var experiment = await FaultExperiment.CreateAsync(fixture, output, "all-down");
        var brokers = Enumerable.Range(1, experiment.Cluster.BrokerCount).ToArray();
        foreach (var broker in brokers)
        {
            experiment.Cluster.SetBrokerDown(broker);
        }

        try
        {
            experiment.ProduceSecondHalf();
            await FaultExperiment.HoldAsync(AllBrokersOutage);
        }
        finally
        {
            foreach (var broker in brokers)
            {
                experiment.Cluster.SetBrokerUp(broker);
            }
        }

        await experiment.FaultClearedAsync();
        await experiment.FinishAsync(Family, "All brokers down",
            $"all {brokers.Length} brokers set down for {AllBrokersOutage.TotalSeconds:0} s (longer than session.timeout.ms), then up",
            ReliabilityRow.BrokerResumeGoal,
            $"{nameof(BrokerOutageTests)}.{nameof(All_brokers_down_30_s)}");
    }
}
