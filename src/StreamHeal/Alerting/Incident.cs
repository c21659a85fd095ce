namespace StreamHeal.Alerting;

/// <summary>
/// One condition a person must hear about. <see cref="Key"/> is stable for the same condition (kind plus what locates
/// it, e.g. <c>lag_high:events</c>), so repeats are throttled together across replicas; <see cref="Kind"/> is the
/// catalogue entry (Alertmanager's <c>alertname</c>). <see cref="Labels"/> hold only locating values (topic, table),
/// never offsets or field values, so Alertmanager sees the same alert when it is raised again or resolved.
/// </summary>
/// <param name="EndsAt">Set when the condition cleared: Alertmanager resolves the alert; never throttled.</param>
public sealed record Incident(
    string Kind,
    string Key,
    AlertSeverity Severity,
    string Summary,
    string Description,
    IReadOnlyDictionary<string, string> Labels,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt = null)
{
    public bool IsResolution => EndsAt is not null;

    /// <summary>The same incident, marked cleared at <paramref name="at"/>.</summary>
    public Incident ResolvedAt(DateTimeOffset at) => this with { EndsAt = at };
}

/// <summary>
/// What a channel sends: the incident, and how many repeats of it the throttle held back since the last notification
/// of its key (<see cref="RepeatsSince"/> is when that notification went out).
/// </summary>
public sealed record Notification(Incident Incident, long Repeats, DateTimeOffset? RepeatsSince)
{
    /// <summary>"+N more since HH:MM (UTC)" when repeats were held back, else empty.</summary>
    public string RepeatText => Repeats > 0 && RepeatsSince is { } since
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"+{Repeats} more since {since.UtcDateTime:HH:mm} UTC")
        : "";
}
