namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// The system clock, except that once <see cref="Stall"/> was called, reading the time blocks the caller until
/// <see cref="Release"/>: a dependency stuck inside a synchronous call that ignores cancellation (DuckDB's writer reads
/// the clock inside its transaction). Timers are the system's and keep running.
/// </summary>
public sealed class StallingClock : TimeProvider, IDisposable
{
    private readonly ManualResetEventSlim _released = new(false);
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stalling;

    /// <summary>Completes when a caller is blocked in the clock.</summary>
    public Task Stalled => _stalled.Task;

    public void Stall() => _stalling = true;

    public void Release()
    {
        _stalling = false;
        _released.Set();
    }

    public override DateTimeOffset GetUtcNow()
    {
        if (_stalling)
        {
            _stalled.TrySetResult();
            _released.Wait();
        }

        return base.GetUtcNow();
    }

    public void Dispose()
    {
        Release();
        _released.Dispose();
    }
}
