namespace StreamHeal.Poll;

/// <summary>
/// Blocking waits on the poll thread (librdkafka's callbacks run there and cannot await) that follow the injected
/// <see cref="TimeProvider"/>, so tests drive them with a fake clock.
/// </summary>
internal static class ClockWait
{
    public static void Sleep(TimeProvider time, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var elapsed = new ManualResetEventSlim();
        using var timer = time.CreateTimer(static state => ((ManualResetEventSlim)state!).Set(), elapsed, delay, Timeout.InfiniteTimeSpan);
        elapsed.Wait();
    }
}
