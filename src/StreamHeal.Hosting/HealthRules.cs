using StreamHeal.Pipeline;

namespace StreamHeal.Hosting;

/// <summary>What the liveness and readiness probes decide from one status. Pure: no clock, no I/O.</summary>
public static class HealthRules
{
    /// <summary>
    /// Why the process should be restarted, or null while it is alive. Only a poll loop that ended while the service
    /// should still run counts: a dependency that is down is waited for and healed in place, and a restart would not
    /// bring it back. A stall the watchdog could not heal in-process (<see cref="PipelineStatus.GaveUp"/>) counts too:
    /// a new process is the one step left.
    /// </summary>
    public static string? WhyNotLive(PipelineStatus status) => status switch
    {
        { GaveUp: { } why } => "the stall watchdog gave up: " + why,
        { PollLoop: PollLoopState.Ended, Stopping: false } => "the poll loop has ended while the service should run" + (status.Failure is { } failure ? ": " + failure : ""),
        _ => null,
    };

    /// <summary>Why this replica is not ready to be counted as serving, or null when it is.</summary>
    public static string? WhyNotReady(PipelineStatus status) => status switch
    {
        { Failure: { } failure } => "the pipeline failed: " + failure,
        { Stopping: true } => "stopping",
        { SinkReconciled: false } => "the sink's tables are not reconciled yet",
        { PollLoop: PollLoopState.NotStarted } => "the poll loop has not started",
        { PollLoop: PollLoopState.Ended } => "the poll loop has ended",
        { Assigned: false } => "no partitions assigned",
        _ => null,
    };
}
