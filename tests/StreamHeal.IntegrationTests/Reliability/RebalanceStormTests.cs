using StreamHeal.TestSupport;
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>Members joining and leaving the group one after another while events arrive, for a bounded time.</summary>
[Trait(FaultMatrix.Trait, FaultMatrix.Value)]
[Collection(ReliabilityCollection.Name)]
public sealed class RebalanceStormTests(ReliabilityFixture fixture, ITestOutputHelper output)
{
    private const string Family = "Group membership churn";

    // A minute of churn, as the fault matrix asks: each join is a rebalance of about session.timeout.ms (6 s on the
    // mock), so this is 6-8 joins and as many leaves.
    private static readonly TimeSpan StormDuration = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Rebalance_storm()
    {
        await using var experiment = await FaultExperiment.CreateAsync(fixture, output, "storm", events: 6_000);
        experiment.ProduceSecondHalf();
        var storm = Stopwatch.StartNew();
        var joins = 0;
        while (storm.Elapsed < StormDuration)
        {
            // A second and a third member in turn: each joins, takes partitions, works a moment and leaves.
            var member = experiment.StartMember();
            joins++;
            try
            {
                await Eventually.Until(() => member.Pipeline.Status.AssignedPartitions > 0, TimeSpan.FromSeconds(60), $"member {joins + 1} assigned");
                await Eventually.Until(() => experiment.Pipeline.Status.AssignedPartitions < FaultExperiment.Partitions, TimeSpan.FromSeconds(60), "partitions split");
            }
            finally
            {
                await member.Stop.CancelAsync();
                await member.Running.WaitAsync(TimeSpan.FromSeconds(60));
            }
        }

        await Eventually.Until(() => experiment.Pipeline.Status.AssignedPartitions == FaultExperiment.Partitions, TimeSpan.FromSeconds(60), "the first member owning every partition again");
        await experiment.FaultClearedAsync();
        await experiment.FinishAsync(Family, "Rebalance storm",
            $"{joins} extra members joined and left one after another for {StormDuration.TotalSeconds:0} s (session.timeout.ms 6000); resume measured once the first member owns every partition again",
            test: $"{nameof(RebalanceStormTests)}.{nameof(Rebalance_storm)}");
    }
}
