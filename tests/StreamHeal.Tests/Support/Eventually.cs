using System.Diagnostics;
using Xunit;

namespace StreamHeal.Tests.Support;

/// <summary>Waits for a condition instead of a fixed time; fails the test naming what it waited for.</summary>
public static class Eventually
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    /// <param name="condition">Checked until true; may also drive a fake clock, one step per check.</param>
    public static async Task Until(Func<bool> condition, string waitingFor)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Timeout, $"timed out waiting for {waitingFor}");
            await Task.Delay(PollInterval);
        }
    }
}
