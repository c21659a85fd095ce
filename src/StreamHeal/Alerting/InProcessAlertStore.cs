namespace StreamHeal.Alerting;

/// <summary>
/// Throttle keys held in this process, with Redis's <c>SET NX PX</c> rules on the injected clock: a key expires exactly
/// <c>cooldown</c> after it was acquired. Thread-safe (one lock; it is taken once per incident, off the data path).
/// </summary>
public sealed class InProcessAlertStore(TimeProvider timeProvider) : IAlertStore
{
    // Far above the keys the catalogue makes (first-seen incidents are keyed per field); expired ones are swept past it.
    private const int SweepAbove = 10_000;

    private readonly Dictionary<string, DateTimeOffset> _expiry = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public ValueTask<bool> TryAcquireAsync(string key, string instance, TimeSpan cooldown, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryAcquire(key, cooldown));

    public bool TryAcquire(string key, TimeSpan cooldown)
    {
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (_expiry.TryGetValue(key, out var expires) && now < expires)
            {
                return false;
            }

            if (_expiry.Count >= SweepAbove)
            {
                foreach (var (held, until) in _expiry.ToArray())
                {
                    if (now >= until)
                    {
                        _expiry.Remove(held);
                    }
                }
            }

            _expiry[key] = now + cooldown;
            return true;
        }
    }
}
