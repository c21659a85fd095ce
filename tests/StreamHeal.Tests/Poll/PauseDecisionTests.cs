using StreamHeal.Poll;
using Xunit;

namespace StreamHeal.Tests.Poll;

public sealed class PauseDecisionTests
{
    [Theory]
    [InlineData(true, false, false, false, false, PauseAction.Pause)]
    [InlineData(true, true, false, false, false, PauseAction.None)]
    [InlineData(true, true, true, false, false, PauseAction.Pause)]
    [InlineData(false, true, true, true, true, PauseAction.Pause)]
    [InlineData(false, true, false, true, true, PauseAction.Resume)]
    [InlineData(false, true, false, true, false, PauseAction.None)]
    [InlineData(false, true, false, false, true, PauseAction.None)]
    [InlineData(false, false, false, true, true, PauseAction.None)]
    [InlineData(false, false, true, true, true, PauseAction.None)]
    public void Decides(bool full, bool paused, bool assignmentChanged, bool canResume, bool holdBelowHalf, PauseAction expected) =>
        Assert.Equal(expected, PauseDecision.Decide(full, paused, assignmentChanged, canResume, holdBelowHalf));

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public bool Never_resumes_while_full_or_unpaused(bool full, bool paused, bool changed, bool canResume, bool below) =>
        PauseDecision.Decide(full, paused, changed, canResume, below) != PauseAction.Resume || (paused && !full && canResume && below);
}
