using System.Globalization;
using StreamHeal.Telemetry;

namespace StreamHeal.Sink.BigQuery;

/// <summary>What the BigQuery sink is doing, for the status line, logs and the metrics (totals and per table). Thread-safe.</summary>
public sealed class BigQuerySinkStats
{
    private static readonly Func<string, KeyValuePair<string, object?>[]> TableTag = static table => [new("table", table)];
    private long _appends;
    private long _appendBytes;
    private long _throttles;
    private long _reconnects;
    private long _rowErrors;
    private long _bisections;
    private long _suffixSearches;
    private long _guaranteeLosses;
    private long _checkpoints;
    private long _unreadableCheckpoints;
    private long _fencedPartitions;
    private int _heldTables;
    private int _stoppedTables;
    private Func<int>? _concurrencyLimit;
    private Func<int>? _appendsInFlight;
    private string? _configurationProblem;

    public long Appends => Interlocked.Read(ref _appends);

    /// <summary>Bytes of the acknowledged AppendRows requests' rows.</summary>
    public long AppendBytes => Interlocked.Read(ref _appendBytes);

    public long Throttles => Interlocked.Read(ref _throttles);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long RowErrors => Interlocked.Read(ref _rowErrors);

    public long Bisections => Interlocked.Read(ref _bisections);

    /// <summary>Replays whose stream end had to be found by resending suffixes.</summary>
    public long SuffixSearches => Interlocked.Read(ref _suffixSearches);

    /// <summary>Ranges written to a new stream because the old one was gone: exactly-once is not guaranteed for them.</summary>
    public long GuaranteeLosses => Interlocked.Read(ref _guaranteeLosses);

    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Tables waiting for BigQuery to report a new column.</summary>
    public int HeldTables => Volatile.Read(ref _heldTables);

    /// <summary>Tables BigQuery refuses (permissions, missing table): their partitions are paused.</summary>
    public int StoppedTables => Volatile.Read(ref _stoppedTables);

    /// <summary>Why BigQuery cannot be reached through no fault of its own (e.g. a refused certificate), until an append goes through; else null.</summary>
    public string? ConfigurationProblem => Volatile.Read(ref _configurationProblem);

    /// <summary>Exactly-once checkpoints that did not parse: where their stream stood is unknown.</summary>
    public long UnreadableCheckpoints => Interlocked.Read(ref _unreadableCheckpoints);

    /// <summary>Partitions given up because another member claimed them (a higher checkpoint epoch).</summary>
    public long FencedPartitions => Interlocked.Read(ref _fencedPartitions);

    /// <summary>Appends per table and outcome (ok, throttled, reconnect).</summary>
    internal Tally<(string Table, string Outcome)> AppendsByTable { get; } = new(static k => [new("table", k.Table), new("outcome", k.Outcome)]);

    internal Tally<string> AppendBytesByTable { get; } = new(TableTag);

    internal Tally<string> ThrottlesByTable { get; } = new(TableTag);

    internal Tally<string> ReconnectsByTable { get; } = new(TableTag);

    internal Tally<string> RowErrorsByTable { get; } = new(TableTag);

    internal Tally<string> GuaranteeLossesByTable { get; } = new(TableTag);

    public int ConcurrencyLimit => _concurrencyLimit?.Invoke() ?? 0;

    /// <summary>Appends sent (or being sent) and not yet answered, over every stream.</summary>
    public int AppendsInFlight => _appendsInFlight?.Invoke() ?? 0;

    internal void ObserveConcurrency(Func<int> limit, Func<int> inFlight)
    {
        _concurrencyLimit = limit;
        _appendsInFlight = inFlight;
    }

    /// <summary>Starts the table's counters at 0, so a rate or an increase over them shows 0 rather than nothing.</summary>
    internal void Track(string table)
    {
        AppendsByTable.Add((table, "ok"), 0);
        AppendBytesByTable.Add(table, 0);
        ThrottlesByTable.Add(table, 0);
        ReconnectsByTable.Add(table, 0);
        RowErrorsByTable.Add(table, 0);
        GuaranteeLossesByTable.Add(table, 0);
    }

    internal void RecordAppend(string table, int bytes)
    {
        Interlocked.Increment(ref _appends);
        Interlocked.Add(ref _appendBytes, bytes);
        AppendsByTable.Add((table, "ok"));
        AppendBytesByTable.Add(table, bytes);
    }

    internal void RecordThrottle(string table)
    {
        Interlocked.Increment(ref _throttles);
        AppendsByTable.Add((table, "throttled"));
        ThrottlesByTable.Add(table);
    }

    internal void RecordReconnect(string table)
    {
        Interlocked.Increment(ref _reconnects);
        AppendsByTable.Add((table, "reconnect"));
        ReconnectsByTable.Add(table);
    }

    internal void RecordRowErrors(string table, int count)
    {
        Interlocked.Add(ref _rowErrors, count);
        RowErrorsByTable.Add(table, count);
    }

    internal void RecordBisection() => Interlocked.Increment(ref _bisections);

    internal void RecordSuffixSearch() => Interlocked.Increment(ref _suffixSearches);

    internal void RecordGuaranteeLoss(string table)
    {
        Interlocked.Increment(ref _guaranteeLosses);
        GuaranteeLossesByTable.Add(table);
    }

    internal void RecordCheckpoint() => Interlocked.Increment(ref _checkpoints);

    internal void RecordUnreadableCheckpoint() => Interlocked.Increment(ref _unreadableCheckpoints);

    internal void RecordFencedPartition() => Interlocked.Increment(ref _fencedPartitions);

    internal void RecordConfigurationProblem(string problem) => Volatile.Write(ref _configurationProblem, problem);

    internal void ClearConfigurationProblem()
    {
        if (Volatile.Read(ref _configurationProblem) is not null)
        {
            Volatile.Write(ref _configurationProblem, null);
        }
    }

    internal void AdjustHeldTables(int delta) => Interlocked.Add(ref _heldTables, delta);

    internal void AdjustStoppedTables(int delta) => Interlocked.Add(ref _stoppedTables, delta);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"bigquery(appends={Appends} in-flight={AppendsInFlight} concurrency={ConcurrencyLimit} throttled={Throttles} reconnects={Reconnects} row-errors={RowErrors} held-tables={HeldTables} stopped-tables={StoppedTables}{(GuaranteeLosses > 0 ? $" EXACTLY-ONCE-LOST={GuaranteeLosses}" : "")}{(UnreadableCheckpoints > 0 ? $" unreadable-checkpoints={UnreadableCheckpoints}" : "")}{(FencedPartitions > 0 ? $" fenced-partitions={FencedPartitions}" : "")}{(ConfigurationProblem is { } problem ? $" CONFIGURATION PROBLEM (not an outage): {problem}" : "")})");
}
