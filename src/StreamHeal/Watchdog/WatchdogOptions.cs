using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Watchdog;

/// <summary>The lag monitor and the stall watchdog. Bound from the <c>watchdog</c> section.</summary>
public sealed class WatchdogOptions : IValidatableObject
{
    public const string SectionName = "watchdog";

    /// <summary>False turns the stall watchdog's recoveries off; the lag monitor still reports. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often lag is read per assigned partition and stalls are checked. Default 10 s.</summary>
    public TimeSpan LagInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A partition with lag whose committed position has not moved for this long, with no known outage to explain
    /// it, is stalled; each escalation step waits this long again. Default 120 s.
    /// </summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>In-process restarts allowed within <see cref="RestartWindow"/>; the next stall turns <c>/health/live</c> to 503. Default 3.</summary>
    public int MaxRestarts { get; set; } = 3;

    /// <summary>The window <see cref="MaxRestarts"/> counts restarts in. Default 15 min.</summary>
    public TimeSpan RestartWindow { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LagInterval < TimeSpan.FromMilliseconds(100))
        {
            yield return new ValidationResult($"watchdog.lagInterval is {LagInterval}; it must be at least 00:00:00.1 (default 00:00:10).", [nameof(LagInterval)]);
        }

        if (StallAfter < LagInterval)
        {
            yield return new ValidationResult(
                $"watchdog.stallAfter ({StallAfter}) is below watchdog.lagInterval ({LagInterval}); a stall is seen at lag checks, so raise stallAfter (default 00:02:00) or lower lagInterval.",
                [nameof(StallAfter)]);
        }

        if (MaxRestarts is < 0 or > 100)
        {
            yield return new ValidationResult($"watchdog.maxRestarts is {MaxRestarts}; it must be between 0 (go straight to a failing liveness probe) and 100 (default 3).", [nameof(MaxRestarts)]);
        }

        if (RestartWindow <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"watchdog.restartWindow is {RestartWindow}; it must be positive (default 00:15:00).", [nameof(RestartWindow)]);
        }
    }
}
