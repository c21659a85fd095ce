using System.Diagnostics;
using Xunit;

namespace StreamHeal.TestSupport;

/// <summary>Waits for a condition instead of sleeping a fixed time; fails the test naming what it waited for.</summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    // Checks that drive a fake clock take one step each, so they run often; checks against real processes need not.
    private static readonly TimeSpan FakeClockPollInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <param name="condition">Checked every 5 ms for up to 30 s; may also drive a fake clock, one step per check.</param>
    public static async Task Until(Func<bool> condition, string waitingFor)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < DefaultTimeout, $"timed out waiting for {waitingFor}");
            await Task.Delay(FakeClockPollInterval);
        }
    }

    public static Task Until(Func<bool> condition, TimeSpan timeout, string waitingFor, CancellationToken cancellationToken = default) =>
        Until(() => Task.FromResult(condition()), timeout, waitingFor, cancellationToken);

    /// <param name="describe">Read when the wait times out, so it can say where things stand at that moment.</param>
    public static Task Until(Func<bool> condition, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default) =>
        Until(() => Task.FromResult(condition()), timeout, describe, cancellationToken);

    /// <returns>How long the condition took to become true.</returns>
    public static Task<TimeSpan> Until(
        Func<Task<bool>> condition, TimeSpan timeout, string waitingFor, CancellationToken cancellationToken = default) =>
        Until(condition, timeout, () => waitingFor, cancellationToken);

    /// <returns>How long the condition took to become true.</returns>
    public static async Task<TimeSpan> Until(
        Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed >= timeout)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for: {describe()}");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }

        return stopwatch.Elapsed;
    }

    /// <returns>How long the condition took to become true, or null when it did not within <paramref name="timeout"/>.</returns>
    public static async Task<TimeSpan?> TryUntil(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed >= timeout)
            {
                return null;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }

        return stopwatch.Elapsed;
    }
}
