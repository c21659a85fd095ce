using StreamHeal.Dev.Demo;
using Xunit;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Demo;

public sealed class IngestionVerdictTests
{
    private static readonly (int, long)[] Produced = [(0, 0), (0, 1), (1, 0), (1, 1)];

    [Fact]
    public void Everything_in_exactly_one_place_is_ok()
    {
        var verdict = IngestionVerdict.Compute(Produced, [(0, 0), (0, 1), (1, 1)], [(1, 0)]);
        Assert.True(verdict.Ok);
        Assert.Equal((4L, 3L, 1L, 0L, 0L), (verdict.Produced, verdict.Sunk, verdict.DeadLettered, verdict.Duplicates, verdict.Missing));
    }

    [Fact]
    public void Duplicates_and_missing_records_are_counted()
    {
        var verdict = IngestionVerdict.Compute(Produced, [(0, 0), (0, 0), (1, 1)], [(1, 1)]);
        Assert.False(verdict.Ok);
        Assert.Equal(2, verdict.Duplicates);
        Assert.Equal(2, verdict.Missing);
    }

    [Theory]
    [InlineData("events", "events")]
    [InlineData("app.events-v2", "app_events_v2")]
    [InlineData("1st", "_1st")]
    public void Table_names_come_from_topics(string topic, string table) => Assert.Equal(table, TableNames.ForTopic(topic));
}
