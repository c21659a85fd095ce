namespace StreamHeal.Poll;

public enum PauseAction
{
    None,
    /// <summary>Pause every assigned partition (again, after a rebalance brought partitions that are not paused yet).</summary>
    Pause,
    Resume,
}

/// <summary>Whether the loop pauses or resumes its partitions this turn. Pure: the loop supplies what it sees.</summary>
public static class PauseDecision
{
    /// <param name="full">The in-flight budget is full, or decode has refused the hold queue for too long.</param>
    /// <param name="paused">Every partition is paused for backpressure right now.</param>
    /// <param name="assignmentChanged">A rebalance or reset set the assignment since the last turn (new partitions run).</param>
    /// <param name="canResume">The budget is below its resume mark.</param>
    /// <param name="holdBelowHalf">The hold queue is below half its limit.</param>
    public static PauseAction Decide(bool full, bool paused, bool assignmentChanged, bool canResume, bool holdBelowHalf)
    {
        if ((full && !paused) || (paused && assignmentChanged))
        {
            return PauseAction.Pause;
        }

        return paused && !full && canResume && holdBelowHalf ? PauseAction.Resume : PauseAction.None;
    }
}
