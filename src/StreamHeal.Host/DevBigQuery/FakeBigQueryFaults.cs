using Grpc.Core;

namespace StreamHeal.Host.DevBigQuery;

/// <summary>
/// Scripted trouble for the fake: the next N calls (unary calls and each AppendRows request alike) end with a chosen
/// status, and every append can be slowed. A failed append ends its whole AppendRows stream, as a real outage does.
/// </summary>
internal sealed class FakeBigQueryFaults
{
    private readonly Lock _gate = new();
    private readonly Queue<StatusCode> _failures = new();
    private long _latencyTicks;

    /// <summary>Delay before each append is answered.</summary>
    public TimeSpan AppendLatency
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _latencyTicks));
        set => Volatile.Write(ref _latencyTicks, value.Ticks);
    }

    /// <summary>The next <paramref name="count"/> calls fail with <paramref name="status"/> (UNAVAILABLE for an outage, RESOURCE_EXHAUSTED for a quota burst).</summary>
    public void FailNext(StatusCode status, int count)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _failures.Enqueue(status);
            }
        }
    }

    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _failures.Count;
            }
        }
    }

    public void ThrowIfScripted(string call)
    {
        StatusCode status;
        lock (_gate)
        {
            if (!_failures.TryDequeue(out status))
            {
                return;
            }
        }

        throw new RpcException(new Status(status, $"Injected {status} on {call}."));
    }

    public async Task BeforeAppendAsync(CancellationToken cancellationToken)
    {
        if (AppendLatency > TimeSpan.Zero)
        {
            await Task.Delay(AppendLatency, cancellationToken);
        }

        ThrowIfScripted("AppendRows");
    }
}
