namespace StreamHeal.Pipeline;

/// <summary>
/// What the pipeline tells an observer as it happens (alerting listens here). Called on pipeline threads: an
/// implementation records and returns at once, never blocks or throws.
/// </summary>
public interface IPipelineObserver
{
    /// <summary>A sink write failed transiently and will be retried.</summary>
    void SinkRetry(string sink, string error);

    /// <summary>A DLQ send failed transiently and will be retried.</summary>
    void DeadLetterRetry(string error);

    /// <summary>The pipeline stopped because it cannot go on.</summary>
    void Failed(string reason);
}
