namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// Reads a figure every few milliseconds while a test runs and keeps the largest value seen: for bounds that only hold
/// for a moment (records in flight, appends in flight) and that no counter records.
/// </summary>
internal sealed class PeakSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;

    public PeakSampler(Func<long> read, TimeSpan interval)
    {
        _sampling = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(CancellationToken.None) && !_stop.IsCancellationRequested)
            {
                Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), read()));
            }
        });
    }

    /// <summary>The largest value read so far.</summary>
    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>Stops sampling and returns the peak.</summary>
    public async Task<long> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        return Peak;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
