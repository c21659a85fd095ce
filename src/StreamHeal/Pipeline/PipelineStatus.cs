using System.Text.Json.Serialization;

namespace StreamHeal.Pipeline;

/// <summary>A point-in-time view of the pipeline for the status line, the health endpoint and the demo.</summary>
public sealed record PipelineStatus(
    long Polled,
    long Sunk,
    long DeadLettered,
    long Tombstones,
    long InFlightRecords,
    long InFlightBytes,
    long Lag,
    int AssignedPartitions,
    bool Paused,
    long SinkRetries,
    long DeadLetterRetries,
    long OffsetResets,
    bool Running,
    string? Failure)
{
    /// <summary>True when a dependency is failing right now (the sink or the DLQ is being retried).</summary>
    public bool Degraded { get; init; }

    /// <summary>
    /// The dependencies (<see cref="Telemetry.Dependency"/> names) with a call that failed and is still being retried.
    /// Their failures can be a whole backoff apart (up to <c>retry.maxDelay</c>), so "failed in the last seconds" alone
    /// would read an outage as over between two attempts.
    /// </summary>
    public IReadOnlyList<string> Retrying { get; init; } = [];

    /// <summary>
    /// Where the task running the poll loop is. It starts once the DLQ probe and the sink reconciliation are done,
    /// so a service waiting on a dependency at start-up is <see cref="PollLoopState.NotStarted"/>, not dead.
    /// </summary>
    public PollLoopState PollLoop { get; init; }

    /// <summary>True while the task running the poll loop has not ended.</summary>
    public bool PollLoopAlive => PollLoop == PollLoopState.Running;

    /// <summary>True once the sink's tables were reconciled with the schema state at start-up.</summary>
    public bool SinkReconciled { get; init; }

    /// <summary>True once a stop was asked for: the pipeline drains, commits and leaves the group.</summary>
    public bool Stopping { get; init; }

    /// <summary>
    /// Set once the stall watchdog gave up healing in-process (too many restarts): why the process must be restarted.
    /// </summary>
    public string? GaveUp { get; init; }

    /// <summary>In-process restarts by the stall watchdog since the service started.</summary>
    public int Restarts { get; init; }

    /// <summary>True while this member owns at least one partition.</summary>
    public bool Assigned => AssignedPartitions > 0;
}

[JsonConverter(typeof(JsonStringEnumConverter<PollLoopState>))]
public enum PollLoopState
{
    [JsonStringEnumMemberName("not_started")]
    NotStarted,

    [JsonStringEnumMemberName("running")]
    Running,

    [JsonStringEnumMemberName("ended")]
    Ended,
}
