using StreamHeal.Alerting;
using Xunit;

namespace StreamHeal.Tests.Alerting;

public sealed class IncidentCatalogTests
{
    private static readonly DateTimeOffset Since = new(2026, 12, 7, 22, 0, 0, TimeSpan.Zero);

    /// <summary>Regression: a partition stalled because it was not read said "has not committed", the other rule's reason.</summary>
    [Fact]
    public void A_stall_says_which_rule_found_it()
    {
        var starved = IncidentCatalog.Stalled("events", 1, 200, TimeSpan.FromSeconds(61), starved: true, "records: none", Since);
        var stuck = IncidentCatalog.Stalled("events", 1, 200, TimeSpan.FromSeconds(61), starved: false, "records: none", Since);

        Assert.Equal("Partition events[1] has not been read for 61 s while other partitions were, with lag 200", starved.Summary);
        Assert.Equal("Partition events[1] has not committed for 61 s with lag 200", stuck.Summary);
        // One condition either way: the alert's key and labels do not depend on the rule.
        Assert.Equal(stuck.Key, starved.Key);
        Assert.Equal(stuck.Labels, starved.Labels);
    }
}
