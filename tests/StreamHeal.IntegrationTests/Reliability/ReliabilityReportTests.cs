using System.Text.RegularExpressions;
using Xunit;

namespace StreamHeal.IntegrationTests.Reliability;

public sealed class ReliabilityReportTests
{
    [Fact]
    public void A_row_that_lost_events_shows_them_and_misses_its_goals()
    {
        var lossy = new ReliabilityRow("Fetch request errors", "TopicAuthorizationFailed", "pushed | on Fetch", "FetchErrorTests.TopicAuthorizationFailed",
            3_000, 30, Lost: 12, Duplicated: 0, DeadLettered: 30, DeadLetterRepeats: 2, WronglyDeadLettered: 12, TimeSpan.FromSeconds(0.4), ResumeGoal: null, Note: null);
        var clean = lossy with { Fault = "RequestTimedOut", Test = "FetchErrorTests.RequestTimedOut", Lost = 0, WronglyDeadLettered = 0 };

        var markdown = ReliabilityReport.Render([lossy, clean]);

        var rows = FaultRows(markdown);
        var lossyRow = rows.Single(r => r["Fault"] == "TopicAuthorizationFailed");
        Assert.Equal(("Fetch request errors", "pushed \\| on Fetch", "3000 (30)"), (lossyRow["Family"], lossyRow["How injected"], lossyRow["Events (poison)"]));
        Assert.Equal(["12", "0", "30", "2", "12", "0.4 s", "**missed**"], Outcome(lossyRow));
        Assert.Equal(["0", "0", "30", "2", "0", "0.4 s", "met"], Outcome(rows.Single(r => r["Fault"] == "RequestTimedOut")));
        Assert.Contains(ReliabilityRecorder.ReportVariable, markdown, StringComparison.Ordinal);
        Assert.All(ReliabilityReport.CoveredElsewhere, covered => Assert.Contains(covered.Test, markdown, StringComparison.Ordinal));
    }

    [Fact]
    public void A_fault_the_pipeline_never_resumed_from_misses_its_goals_even_without_loss()
    {
        var stuck = new ReliabilityRow("Broker outages", "All brokers down", "down 30 s", "BrokerOutageTests.All_brokers_down_30_s",
            3_000, 30, 0, 0, 30, 0, 0, Resume: null, ResumeGoal: ReliabilityRow.BrokerResumeGoal, Note: null);

        Assert.False(stuck.MeetsGoals);
        var row = FaultRows(ReliabilityReport.Render([stuck])).Single();
        Assert.Equal(("did not resume (goal 5 s)", "**missed**"), (row["Resume after clear"], row["Goals"]));
    }

    [Fact]
    public void Only_a_fault_with_a_resume_goal_misses_it_by_resuming_late()
    {
        var rejoin = new ReliabilityRow("Group protocol errors", "NotCoordinatorForGroup", "pushed on JoinGroup", "GroupProtocolErrorTests.JoinGroup_NotCoordinator",
            3_000, 30, 0, 0, 30, 0, 0, Resume: TimeSpan.FromSeconds(6.4), ResumeGoal: null, Note: null);

        Assert.True(rejoin.MeetsGoals);
        Assert.False((rejoin with { ResumeGoal = ReliabilityRow.BrokerResumeGoal }).MeetsGoals);
    }

    private static string[] Outcome(Dictionary<string, string> row) =>
        [row["Lost"], row["Duplicated"], row["Dead-lettered"], row["DLQ repeats"], row["Wrong DLQ"], row["Resume after clear"], row["Goals"]];

    /// <summary>The rows of the report's fault table, cell by column header (cells as written, escapes kept).</summary>
    private static List<Dictionary<string, string>> FaultRows(string markdown)
    {
        static string[] Cells(string line) => [.. Regex.Split(line.Trim().Trim('|'), @"(?<!\\)\|").Select(c => c.Trim())];
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var header = lines.FindIndex(l => l.StartsWith("| Family |", StringComparison.Ordinal));
        Assert.True(header >= 0, "the report has no fault table");
        var columns = Cells(lines[header]);
        return [.. lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => columns.Zip(Cells(l)).ToDictionary(c => c.First, c => c.Second))];
    }
}
