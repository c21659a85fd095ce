using Grpc.Core;

namespace StreamHeal.Dev.BigQuery;

/// <summary>
/// One AppendRows request as the fake handled it. <see cref="EndedAt"/> is null while it is in flight, and is set when
/// the response is written or the connection ends (client gone, injected break). <see cref="UpdatedSchemaVersion"/> is
/// the table schema version the response announced in <c>updated_schema</c>, if it carried one.
/// </summary>
internal sealed record FakeAppend(long Connection, string Stream, long? Offset, int RowCount, DateTimeOffset StartedAt)
{
    /// <summary>The request's serialized size.</summary>
    public int Bytes { get; internal init; }

    public DateTimeOffset? EndedAt { get; internal set; }

    public StatusCode? Status { get; internal set; }

    public int? UpdatedSchemaVersion { get; internal set; }

    /// <summary>True when <paramref name="time"/> lies between the request's arrival and its answer (or its connection's end).</summary>
    public bool InFlightAt(DateTimeOffset time) => StartedAt <= time && (EndedAt is not { } ended || time <= ended);
}

/// <summary>
/// Every append the fake received, with its start and end, so a test can ask afterwards whether an append was in
/// flight at a given moment (for example when a writer process was killed). Thread-safe.
/// </summary>
internal sealed class FakeAppendLog(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<FakeAppend> _appends = [];
    private long _connections;

    /// <summary>All appends so far in arrival order, a snapshot.</summary>
    public IReadOnlyList<FakeAppend> Appends
    {
        get
        {
            lock (_gate)
            {
                return [.. _appends];
            }
        }
    }

    /// <summary>Appends received and not yet answered.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _appends.Count(append => append.EndedAt is null);
            }
        }
    }

    /// <summary>Whether any append was in flight at <paramref name="time"/> (taken from the fake's <see cref="TimeProvider"/>).</summary>
    public bool WasInFlightAt(DateTimeOffset time)
    {
        lock (_gate)
        {
            return _appends.Exists(append => append.InFlightAt(time));
        }
    }

    internal long NewConnection() => Interlocked.Increment(ref _connections);

    internal FakeAppend Begin(long connection, string stream, long? offset, int rowCount, int bytes = 0)
    {
        var append = new FakeAppend(connection, stream, offset, rowCount, time.GetUtcNow()) { Bytes = bytes };
        lock (_gate)
        {
            _appends.Add(append);
        }

        return append;
    }

    internal void End(FakeAppend append, StatusCode status, int? updatedSchemaVersion = null)
    {
        lock (_gate)
        {
            if (append.EndedAt is null)
            {
                append.EndedAt = time.GetUtcNow();
                append.Status = status;
                append.UpdatedSchemaVersion = updatedSchemaVersion;
            }
        }
    }
}
