namespace StreamHeal.Retry;

/// <summary>Exponential backoff with full jitter: a uniform delay in [0, min(max, base · 2^attempt)).</summary>
public static class Backoff
{
    /// <param name="attempt">Zero-based attempt number.</param>
    /// <param name="random">A value in [0, 1), injected so tests are deterministic.</param>
    public static TimeSpan FullJitter(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        var exponent = Math.Min(attempt, 30);
        var ceiling = Math.Min(maxDelay.Ticks, baseDelay.Ticks * (double)(1L << exponent));
        return TimeSpan.FromTicks((long)(ceiling * random));
    }
}
