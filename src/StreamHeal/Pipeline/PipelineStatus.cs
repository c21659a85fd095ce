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
}
