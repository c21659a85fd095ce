using System.Net;
using Grpc.Core;

namespace StreamHeal.Dev.BigQuery;

/// <summary>
/// Scripted trouble for the fake. gRPC: the next N calls (unary calls and each AppendRows request alike) end with a
/// chosen status, every append can be slowed, and open AppendRows connections can be broken now or after N more
/// appends. A failed append ends its whole AppendRows stream, as a real outage does. REST: the next N table calls
/// answer with a chosen HTTP error, and every call can be slowed. Dropping a stream is <see cref="FakeBigQueryStore.DropStream"/>.
/// </summary>
internal sealed class FakeBigQueryFaults
{
    private readonly Lock _gate = new();
    private readonly Queue<StatusCode> _failures = new();
    private readonly Queue<HttpStatusCode> _restFailures = new();
    private readonly HashSet<CancellationTokenSource> _connections = [];
    private long _latencyTicks;
    private long _restLatencyTicks;
    private int _appendsBeforeBreak = -1;

    /// <summary>Delay before each append is answered.</summary>
    public TimeSpan AppendLatency
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _latencyTicks));
        set => Volatile.Write(ref _latencyTicks, value.Ticks);
    }

    /// <summary>Delay before each REST call is answered.</summary>
    public TimeSpan RestLatency
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _restLatencyTicks));
        set => Volatile.Write(ref _restLatencyTicks, value.Ticks);
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

    /// <summary>
    /// The next <paramref name="count"/> REST calls answer <paramref name="status"/> in BigQuery's error JSON (503 for
    /// an outage, 429 for a rate limit, 403 for a missing permission, 500 for a backend error).
    /// </summary>
    public void FailNextRest(HttpStatusCode status, int count)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _restFailures.Enqueue(status);
            }
        }
    }

    /// <summary>
    /// The next <paramref name="appends"/> appends (over all connections) are answered as usual; the one after them
    /// aborts its AppendRows connection with UNAVAILABLE instead, as a server restart does, and appends nothing.
    /// </summary>
    public void BreakConnectionAfter(int appends)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(appends);
        lock (_gate)
        {
            _appendsBeforeBreak = appends;
        }
    }

    /// <summary>Aborts every open AppendRows connection with UNAVAILABLE now, idle or not; appends in flight on them get no answer.</summary>
    public void BreakConnections()
    {
        CancellationTokenSource[] open;
        lock (_gate)
        {
            open = [.. _connections];
        }

        foreach (var connection in open)
        {
            connection.Cancel();
        }
    }

    /// <summary>Scripted gRPC failures not yet used.</summary>
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

    /// <summary>Scripted REST failures not yet used.</summary>
    public int PendingRest
    {
        get
        {
            lock (_gate)
            {
                return _restFailures.Count;
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

        lock (_gate)
        {
            if (_appendsBeforeBreak == 0)
            {
                _appendsBeforeBreak = -1;
                throw new RpcException(new Status(StatusCode.Unavailable, "Injected break of the AppendRows connection."));
            }

            if (_appendsBeforeBreak > 0)
            {
                _appendsBeforeBreak--;
            }
        }

        ThrowIfScripted("AppendRows");
    }

    /// <summary>The scripted status for this REST call, if any, after the scripted latency.</summary>
    public async Task<HttpStatusCode?> BeforeRestAsync(CancellationToken cancellationToken)
    {
        if (RestLatency > TimeSpan.Zero)
        {
            await Task.Delay(RestLatency, cancellationToken);
        }

        lock (_gate)
        {
            return _restFailures.TryDequeue(out var status) ? status : null;
        }
    }

    /// <summary>A token that <see cref="BreakConnections"/> cancels, for one AppendRows connection; dispose it when the connection ends.</summary>
    internal BreakableConnection Register(CancellationToken callAborted)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(callAborted);
        lock (_gate)
        {
            _connections.Add(source);
        }

        return new BreakableConnection(this, source);
    }

    internal sealed class BreakableConnection(FakeBigQueryFaults owner, CancellationTokenSource source) : IDisposable
    {
        public CancellationToken Token => source.Token;

        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._connections.Remove(source);
            }

            source.Dispose();
        }
    }
}
