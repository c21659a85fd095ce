namespace StreamHeal.Alerting;

/// <summary>
/// Where throttle keys live: Redis (shared by every replica) or this process. A key acquired is held for its
/// cooldown; acquiring it again before that fails, which is what holds a repeat back.
/// </summary>
public interface IAlertStore
{
    /// <summary>True when <paramref name="key"/> was free and is now held by <paramref name="instance"/> for <paramref name="cooldown"/>.</summary>
    ValueTask<bool> TryAcquireAsync(string key, string instance, TimeSpan cooldown, CancellationToken cancellationToken);
}
