namespace StreamHeal.Alerting;

/// <summary>How urgently a person must act; ordered, so a channel's <c>minSeverity</c> is a comparison.</summary>
public enum AlertSeverity
{
    Low = 0,
    Medium = 1,
    High = 2,
    Critical = 3,
}

public static class AlertSeverities
{
    /// <summary>The lower-case name used in labels, Redis keys and configuration.</summary>
    public static string Name(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Low => "low",
        AlertSeverity.Medium => "medium",
        AlertSeverity.High => "high",
        AlertSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, null),
    };

    public static bool TryParse(string? text, out AlertSeverity severity) =>
        Enum.TryParse(text, ignoreCase: true, out severity) && Enum.IsDefined(severity);
}
