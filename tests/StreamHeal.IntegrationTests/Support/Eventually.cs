using System.Diagnostics;
using Xunit;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>Waits for a condition instead of sleeping a fixed time; fails the test with a message when it times out.</summary>
public static class Eventually
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(50);

    public static Task Until(Func<bool> condition, TimeSpan timeout, string waitingFor, CancellationToken cancellationToken = default) =>
        Until(() => Task.FromResult(condition()), timeout, waitingFor, cancellationToken);

    /// <returns>How long the condition took to become true.</returns>
    public static async Task<TimeSpan> Until(
        Func<Task<bool>> condition, TimeSpan timeout, string waitingFor, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed >= timeout)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for: {waitingFor}");
            }

            await Task.Delay(s_pollInterval, cancellationToken);
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

            await Task.Delay(s_pollInterval, cancellationToken);
        }

        return stopwatch.Elapsed;
    }
}
