namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// An AIMD limit on appends in flight: each success adds 1/limit (so a full window of successes adds one slot), a
/// RESOURCE_EXHAUSTED halves it at once. BigQuery's throughput quotas are shared and shift; creeping up and backing off
/// hard finds the rate they allow without a fixed setting that is either too timid or a throttling storm.
/// </summary>
internal sealed class AdaptiveConcurrency
{
    private readonly Lock _gate = new();
    private readonly int _max;
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private double _limit;
    private int _inFlight;

    public AdaptiveConcurrency(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        _max = max;
        _limit = max;
    }

    /// <summary>The current limit (whole slots).</summary>
    public int Limit
    {
        get
        {
            lock (_gate)
            {
                return (int)_limit;
            }
        }
    }

    /// <summary>Appends holding a slot now.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight;
            }
        }
    }

    public Task AcquireAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (_inFlight < (int)_limit)
            {
                _inFlight++;
                return Task.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
        }

        return WaitAsync(waiter, cancellationToken);
    }

    public void Release()
    {
        lock (_gate)
        {
            _inFlight--;
            WakeLocked();
        }
    }

    public void OnSuccess()
    {
        lock (_gate)
        {
            _limit = Math.Min(_max, _limit + 1.0 / _limit);
            WakeLocked();
        }
    }

    public void OnThrottled()
    {
        lock (_gate)
        {
            _limit = Math.Max(1, Math.Floor(_limit / 2));
        }
    }

    private void WakeLocked()
    {
        while (_inFlight < (int)_limit && _waiters.TryDequeue(out var next))
        {
            if (next.TrySetResult())
            {
                _inFlight++;
            }
        }
    }

    private async Task WaitAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Granted just as it was cancelled: give the slot back so it is not lost.
            if (!waiter.TrySetCanceled() && waiter.Task.IsCompletedSuccessfully)
            {
                Release();
            }

            throw;
        }
    }
}
