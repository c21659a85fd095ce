using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Retry;

/// <summary>
/// Backoff for dependency outages (sink, DLQ broker): retried without limit, exponential with full jitter, behind a
/// circuit breaker. Bound from the <c>retry</c> section.
/// </summary>
public sealed class RetryOptions : IValidatableObject
{
    public const string SectionName = "retry";

    /// <summary>First backoff ceiling. Default 200 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest backoff ceiling. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failures that open the circuit. Default 5.</summary>
    [Range(2, 1_000)]
    public int BreakAfterFailures { get; set; } = 5;

    /// <summary>How long an open circuit stays open before one probe. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxDelay < BaseDelay)
        {
            yield return new ValidationResult("retry.maxDelay must be at least retry.baseDelay.", [nameof(MaxDelay)]);
        }
    }
}
