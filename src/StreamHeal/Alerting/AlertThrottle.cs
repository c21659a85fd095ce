using System.Globalization;

namespace StreamHeal.Alerting;

/// <summary>
/// Decides whether an incident is notified: only when its throttle key
/// <c>streamheal:alert:{group}:{key}:{severity}</c> can be acquired for the severity's cooldown. Repeats held back are
/// counted per key in this process, and the next notification of the key carries them ("+N more since HH:MM").
/// Resolutions are never throttled: Alertmanager must hear that a condition cleared. Thread-safe.
/// </summary>
public sealed class AlertThrottle(IAlertStore store, AlertCooldowns cooldowns, string group, string instance, TimeProvider timeProvider)
{
    private const int MaxCountedKeys = 10_000;

    private readonly Dictionary<string, (long Count, DateTimeOffset Since)> _repeats = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public static string KeyFor(string group, Incident incident) =>
        string.Create(CultureInfo.InvariantCulture, $"streamheal:alert:{group}:{incident.Key}:{AlertSeverities.Name(incident.Severity)}");

    /// <summary>The notification to send, or null when the incident is held back (and counted).</summary>
    public async ValueTask<Notification?> DecideAsync(Incident incident, CancellationToken cancellationToken)
    {
        if (incident.IsResolution)
        {
            return new Notification(incident, 0, null);
        }

        var key = KeyFor(group, incident);
        var acquired = await store.TryAcquireAsync(key, instance, cooldowns.For(incident.Severity), cancellationToken);
        lock (_lock)
        {
            _repeats.TryGetValue(key, out var repeats);
            if (acquired)
            {
                _repeats.Remove(key);
                return new Notification(incident, repeats.Count, repeats.Count > 0 ? repeats.Since : null);
            }

            if (_repeats.Count >= MaxCountedKeys && repeats.Count == 0)
            {
                // Counting is a courtesy; an unbounded set of keys must not grow memory.
                return null;
            }

            _repeats[key] = (repeats.Count + 1, repeats.Count == 0 ? timeProvider.GetUtcNow() : repeats.Since);
            return null;
        }
    }
}
