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

        Assert.Contains("| Fetch request errors | TopicAuthorizationFailed | pushed \\| on Fetch | 3000 (30) | 12 | 0 | 30 | 2 | 12 | 0.4 s | **missed** |", markdown, StringComparison.Ordinal);
        Assert.Contains("| RequestTimedOut | pushed \\| on Fetch | 3000 (30) | 0 | 0 | 30 | 2 | 0 | 0.4 s | met |", markdown, StringComparison.Ordinal);
        Assert.Contains(ReliabilityRecorder.ReportVariable, markdown, StringComparison.Ordinal);
        Assert.All(ReliabilityReport.CoveredElsewhere, covered => Assert.Contains(covered.Test, markdown, StringComparison.Ordinal));
    }

    [Fact]
    public void A_fault_the_pipeline_never_resumed_from_misses_its_goals_even_without_loss()
    {
        var stuck = new ReliabilityRow("Broker outages", "All brokers down", "down 30 s", "BrokerOutageTests.All_brokers_down_30_s",
            3_000, 30, 0, 0, 30, 0, 0, Resume: null, ResumeGoal: ReliabilityRow.BrokerResumeGoal, Note: null);

        Assert.False(stuck.MeetsGoals);
        Assert.Contains("| did not resume (goal 5 s) | **missed** |", ReliabilityReport.Render([stuck]), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_fault_with_a_resume_goal_misses_it_by_resuming_late()
    {
        var rejoin = new ReliabilityRow("Group protocol errors", "NotCoordinatorForGroup", "pushed on JoinGroup", "GroupProtocolErrorTests.JoinGroup_NotCoordinator",
            3_000, 30, 0, 0, 30, 0, 0, Resume: TimeSpan.FromSeconds(6.4), ResumeGoal: null, Note: null);

        Assert.True(rejoin.MeetsGoals);
        Assert.False((rejoin with { ResumeGoal = ReliabilityRow.BrokerResumeGoal }).MeetsGoals);
    }
}
