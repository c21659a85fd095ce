using System.Diagnostics.Metrics;
using System.Reflection;
using StreamHeal.Flow;
using StreamHeal.Sink.BigQuery;

namespace StreamHeal.Telemetry;

/// <summary>
/// Every instrument of the meter <c>StreamHeal</c>, in one place, with the Prometheus name each becomes through the
/// OpenTelemetry exporter (dots become underscores, the unit <c>s</c> or <c>By</c> is appended as <c>_seconds</c> or
/// <c>_bytes</c>, counters get <c>_total</c>; <c>{...}</c> units add nothing). README's "Monitoring" section lists the
/// same set and a test keeps the two equal.
/// <para>
/// Counting on the hot path is an interlocked add into a per-label slot (<see cref="Tally{TKey}"/>) or one histogram
/// sample per batch; gauges and the sink's figures are read only when a scrape observes them. Labels carry topics,
/// tables, stages, dependencies and error types, never keys, offsets or field values. The plain totals
/// (<see cref="Sunk"/>, ...) feed the status line, the demo and the health endpoint.
/// </para>
/// </summary>
public sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "StreamHeal";

    // Sink acknowledgement − Kafka timestamp: from a linger-sized batch up to a five-minute backlog.
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    private static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] RowBuckets = [1, 10, 50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000];

    private readonly Meter _meter;
    private readonly Tally<string> _consumed = new(static topic => [new("topic", topic)]);
    private readonly Tally<(string Table, string Sink)> _written = new(static k => [new("table", k.Table), new("sink", k.Sink)]);
    private readonly Tally<string> _alreadyWrittenByTable = new(static table => [new("table", table)]);
    private readonly Tally<(string Topic, string ErrorType, string Stage)> _deadLetteredBy = new(static k => [new("topic", k.Topic), new("error_type", k.ErrorType), new("stage", k.Stage)]);
    private readonly Tally<string> _tombstonesByTopic = new(static topic => [new("topic", topic)]);
    private readonly Tally<(string Table, string Reason)> _quarantined = new(static k => [new("table", k.Table), new("reason", k.Reason)]);
    private readonly Tally<string> _rebalances = new(static kind => [new("kind", kind)]);
    private readonly Tally<string> _resets = new(static topic => [new("topic", topic)]);
    private readonly Tally<string> _skipped = new(static topic => [new("topic", topic)]);
    private readonly Tally<string> _retries = new(static dependency => [new("dependency", dependency)]);
    private readonly Tally<string> _recoveries = new(static action => [new("action", action)]);
    private volatile IReadOnlyList<PartitionLag> _monitoredLag = [];
    private int _stalledPartitions;
    private readonly Histogram<double> _endToEnd;
    private readonly Histogram<double> _stageDuration;
    private readonly Histogram<double> _sinkWrite;
    private readonly Histogram<double> _batchRows;
    private long _sunk;
    private long _alreadyWritten;
    private long _deadLettered;
    private long _tombstones;
    private long _offsetResets;
    private long _offsetResetSkipped;
    private long _sinkRetries;
    private long _deadLetterRetries;
    private long _pauses;
    private long _quarantinedFields;
    private long _kafkaConditions;
    private volatile PipelineGauges? _gauges;
    private volatile (string Name, Func<bool> Degraded)[] _otherDependencies = [];

    public PipelineMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        var m = _meter;

        // Throughput and outcomes.
        m.CreateObservableCounter("streamheal.messages.consumed", _consumed.Observe, "{message}", "Records taken from Kafka.");
        m.CreateObservableCounter("streamheal.rows.written", _written.Observe, "{row}", "Rows the sink confirmed as newly written.");
        m.CreateObservableCounter("streamheal.rows.already_written", _alreadyWrittenByTable.Observe, "{row}", "Replayed rows the sink already held (skipped, not written twice).");
        m.CreateObservableCounter("streamheal.messages.dead_lettered", _deadLetteredBy.Observe, "{message}", "Records the DLQ broker acknowledged.");
        m.CreateObservableCounter("streamheal.tombstones", _tombstonesByTopic.Observe, "{message}", "Null-value records skipped.");
        m.CreateObservableCounter("streamheal.fields.quarantined", _quarantined.Observe, "{field}", "Fields moved out of rows (to _quarantine, dropped or dead-lettered by schema.policy).");

        // Latency and sizes: one sample per batch (per DLQ record for the DLQ stage).
        _endToEnd = m.CreateHistogram("streamheal.end_to_end_latency", "s", "Sink acknowledgement time minus the Kafka timestamp of each batch's oldest row.", advice: Buckets(LatencyBuckets));
        _stageDuration = m.CreateHistogram("streamheal.stage.duration", "s", "Time a stage spent on one batch (sink) or one record (dead_letter), retries included.", advice: Buckets(DurationBuckets));
        _sinkWrite = m.CreateHistogram("streamheal.sink.write_duration", "s", "One batch's write call to the sink, retries included.", advice: Buckets(DurationBuckets));
        _batchRows = m.CreateHistogram("streamheal.batch.rows", "{row}", "Rows per batch handed to the sink.", advice: Buckets(RowBuckets));

        // Queues and the in-flight budget.
        m.CreateObservableGauge("streamheal.stage.queue_depth", () => Gauges(static g => g.StageQueues(), static q => new Measurement<long>(q.Depth, new KeyValuePair<string, object?>("stage", q.Stage))), "{item}", "Items waiting in a stage's input queue (records; batches for the sink).");
        m.CreateObservableGauge("streamheal.stage.queue_capacity", () => Gauges(static g => g.StageQueues(), static q => new Measurement<long>(q.Capacity, new KeyValuePair<string, object?>("stage", q.Stage))), "{item}", "Bounded capacity of a stage's input queue.");
        m.CreateObservableGauge("streamheal.inflight.records", () => Budget(static b => b.Records), "{record}", "Records between poll and sink acknowledgement.");
        m.CreateObservableGauge("streamheal.inflight.bytes", () => Budget(static b => b.Bytes), "By", "Estimated bytes between poll and sink acknowledgement.");
        m.CreateObservableGauge("streamheal.inflight.bytes_limit", () => Budget(static b => b.MaxBytes), "{byte}", "pipeline.inFlightBytes: the poll loop pauses Kafka at this many bytes in flight.");

        // Kafka, per owned partition: the series of a revoked partition disappear with it.
        m.CreateObservableGauge("streamheal.consumer.lag_messages", () => Partitions(static p => p.LagMessages), "{message}", "High watermark minus the next offset to poll, from the consumer's cached watermarks: 0 for a partition not fetched yet (streamheal_watchdog_lag_messages asks the broker).");
        m.CreateObservableGauge("streamheal.consumer.lag", () => Partitions(static p => p.LagSeconds), "s", "While the partition has unread or uncommitted records: now minus the Kafka timestamp of the newest record polled; else 0.");
        m.CreateObservableGauge("streamheal.commit.lag_messages", () => Partitions(static p => p.CommitLagMessages), "{message}", "Records polled whose offsets cannot be committed yet (not yet in the sink or the DLQ, or behind one that is not).");
        m.CreateObservableGauge("streamheal.partition.paused", () => Partitions(static p => p.Paused ? 1 : 0), "{state}", "1 while the partition is paused (backpressure, or its table is held).");
        m.CreateObservableGauge("streamheal.last_progress_timestamp", () => Partitions(static p => p.LastProgressUnixSeconds), "s", "Unix time of the partition's last progress: its committable offset advanced, or it was caught up.");
        m.CreateObservableGauge("streamheal.partitions.assigned", () => Single(static g => g.AssignedPartitions()), "{partition}", "Partitions this member owns.");
        m.CreateObservableCounter("streamheal.rebalances", _rebalances.Observe, "{rebalance}", "Partitions assigned, revoked or lost, by kind (one per callback).");
        m.CreateObservableCounter("streamheal.offset_resets", _resets.Observe, "{reset}", "Committed offsets no longer on the broker (reset by auto.offset.reset).");
        m.CreateObservableCounter("streamheal.offsets.skipped", _skipped.Observe, "{offset}", "Offsets skipped by offset resets (records never read).");
        m.CreateObservableCounter("streamheal.kafka.conditions", () => Interlocked.Read(ref _kafkaConditions), "{report}", "Partition- or broker-level Kafka errors reported to the poll loop.");
        m.CreateObservableCounter("streamheal.backpressure.pauses", () => Interlocked.Read(ref _pauses), "{pause}", "Times the poll loop paused every partition because the in-flight budget was full.");

        // Watchdog: the lag monitor and the stall watchdog's recoveries.
        m.CreateObservableGauge("streamheal.watchdog.lag_messages", () => _monitoredLag.Select(static p => new Measurement<long>(p.Messages, new KeyValuePair<string, object?>("topic", p.Topic), new KeyValuePair<string, object?>("partition", p.Partition))), "{message}", "The broker's high watermark minus the next offset to poll, read by the lag monitor every watchdog.lagInterval.");
        m.CreateObservableGauge("streamheal.watchdog.stalled_partitions", () => Volatile.Read(ref _stalledPartitions), "{partition}", "Partitions the stall watchdog judged stalled at its last check.");
        m.CreateObservableCounter("streamheal.recoveries", _recoveries.Observe, "{recovery}", "Recovery steps the stall watchdog took, by action: recreate_consumer, restart_pipeline, give_up.");

        // Dependencies.
        m.CreateObservableCounter("streamheal.dependency.retries", _retries.Observe, "{attempt}", "Failed attempts against a dependency that are retried.");
        m.CreateObservableGauge("streamheal.circuit_breaker.state", () => Gauges(static g => g.Dependencies(), static d => d.CircuitState is { } state ? new Measurement<int>(state, new KeyValuePair<string, object?>("dependency", d.Name)) : (Measurement<int>?)null), "{state}", "0 closed, 1 half-open, 2 open.");
        m.CreateObservableGauge("streamheal.degraded", Degraded, "{state}", "1 while the dependency is failing.");

        // BigQuery sink (only with sink.type bigquery).
        m.CreateObservableCounter("streamheal.sink.appends", () => BigQuery(static s => s.AppendsByTable.Observe()), "{append}", "AppendRows calls by outcome: ok, throttled, reconnect.");
        m.CreateObservableCounter("streamheal.sink.append", () => BigQuery(static s => s.AppendBytesByTable.Observe()), "By", "Bytes of AppendRows requests acknowledged.");
        m.CreateObservableCounter("streamheal.sink.throttled", () => BigQuery(static s => s.ThrottlesByTable.Observe()), "{append}", "Appends refused with RESOURCE_EXHAUSTED.");
        m.CreateObservableCounter("streamheal.sink.reconnects", () => BigQuery(static s => s.ReconnectsByTable.Observe()), "{reconnect}", "Broken append connections reopened.");
        m.CreateObservableCounter("streamheal.sink.row_errors", () => BigQuery(static s => s.RowErrorsByTable.Observe()), "{row}", "Rows BigQuery refused (row_errors), sent to the DLQ.");
        m.CreateObservableCounter("streamheal.exactly_once_lost", () => BigQuery(static s => s.GuaranteeLossesByTable.Observe()), "{range}", "Ranges written to a new stream because the old one was gone: exactly-once not guaranteed for them.");
        m.CreateObservableGauge("streamheal.sink.inflight_appends_limit", () => BigQuery(static s => [new Measurement<long>(s.ConcurrencyLimit)]), "{append}", "The adaptive limit of appends in flight.");
        m.CreateObservableGauge("streamheal.sink.inflight_appends", () => BigQuery(static s => [new Measurement<long>(s.AppendsInFlight)]), "{append}", "Appends sent to BigQuery and not yet answered, over every stream.");

        // Schema.
        m.CreateObservableGauge("streamheal.schema.columns", () => Gauges(static g => g.Tables(), static t => new Measurement<int>(t.Columns, new KeyValuePair<string, object?>("table", t.Table))), "{column}", "Columns of the table's schema state.");
        m.CreateObservableCounter("streamheal.schema.columns_added", () => Gauges(static g => g.Tables(), static t => new Measurement<long>(t.ColumnsAdded, new KeyValuePair<string, object?>("table", t.Table))), "{column}", "Columns this process added to the table since it started.");
        m.CreateObservableCounter("streamheal.schema.registrations", () => _gauges?.Registrations?.Observe() ?? [], "{registration}", "Schema state registrations in the Schema Registry, by outcome.");

        var (version, commit) = BuildVersion();
        m.CreateObservableGauge("streamheal.build_info", () => new Measurement<int>(1, new("version", version), new("commit", commit)), "{info}", "Always 1; the labels name the running build.");
    }

    /// <summary>
    /// Adds a dependency outside the pipeline (Redis for the alert throttle) to <c>streamheal.degraded</c>, read from
    /// <paramref name="degraded"/> at each scrape, whether or not a pipeline runs.
    /// </summary>
    public void ObserveDependency(string name, Func<bool> degraded) => _otherDependencies = [.. _otherDependencies, (name, degraded)];

    /// <summary>Dead letters the DLQ acknowledged so far, per error type (summed over topics and stages).</summary>
    public IReadOnlyDictionary<string, long> DeadLettersByErrorType()
    {
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var ((_, errorType, _), count) in _deadLetteredBy.Counts())
        {
            byType[errorType] = byType.GetValueOrDefault(errorType) + count;
        }

        return byType;
    }

    /// <summary>Where the gauges read the running pipeline; set once the pipeline's parts exist.</summary>
    public void Observe(PipelineGauges gauges) => _gauges = gauges;

    /// <summary>
    /// Starts the counters of every configured topic and table at 0, so that <c>rate()</c> and <c>increase()</c> see
    /// the first event and a panel shows 0 rather than nothing before it.
    /// </summary>
    public void Start(IReadOnlyDictionary<string, string> tablesByTopic, string sink)
    {
        foreach (var (topic, table) in tablesByTopic)
        {
            _consumed.Add(topic, 0);
            _tombstonesByTopic.Add(topic, 0);
            _resets.Add(topic, 0);
            _skipped.Add(topic, 0);
            _written.Add((table, sink), 0);
            _alreadyWrittenByTable.Add(table, 0);
        }

        foreach (var kind in (string[])["assigned", "revoked", "lost"])
        {
            _rebalances.Add(kind, 0);
        }

        _retries.Add(Dependency.Sink, 0);
        _retries.Add(Dependency.DeadLetter, 0);
    }

    /// <summary>Starts the recovery counters at 0, so that an alert on <c>increase()</c> sees the first recovery.</summary>
    public void StartRecoveries(IEnumerable<string> actions)
    {
        foreach (var action in actions)
        {
            _recoveries.Add(action, 0);
        }
    }

    public void RecordRecovery(string action) => _recoveries.Add(action);

    /// <summary>Recovery steps taken with <paramref name="action"/>'s label, or with any label when null.</summary>
    public long Recoveries(string? action = null) => _recoveries.Sum(a => action is null || a == action);

    /// <summary>Rebalance callbacks of one kind ("assigned", "revoked", "lost").</summary>
    public long Rebalances(string kind) => _rebalances.Sum(k => k == kind);

    /// <summary>The lag monitor's latest reading and how many partitions the stall watchdog judged stalled.</summary>
    public void RecordLagCheck(IReadOnlyList<PartitionLag> partitions, int stalled)
    {
        _monitoredLag = partitions;
        Volatile.Write(ref _stalledPartitions, stalled);
    }

    /// <summary>Records of <paramref name="topic"/> written to <paramref name="table"/> (new or already there) or dead-lettered so far.</summary>
    public long Finished(string topic, string table) =>
        _written.Sum(k => k.Table == table) + _alreadyWrittenByTable.Sum(k => k == table) + _deadLetteredBy.Sum(k => k.Topic == topic);

    public long Polled => _consumed.Total();

    public long Sunk => Interlocked.Read(ref _sunk);

    public long AlreadyWritten => Interlocked.Read(ref _alreadyWritten);

    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    public long Tombstones => Interlocked.Read(ref _tombstones);

    public long OffsetResets => Interlocked.Read(ref _offsetResets);

    public long OffsetResetSkipped => Interlocked.Read(ref _offsetResetSkipped);

    public long SinkRetries => Interlocked.Read(ref _sinkRetries);

    public long DeadLetterRetries => Interlocked.Read(ref _deadLetterRetries);

    public long Pauses => Interlocked.Read(ref _pauses);

    public long QuarantinedFields => Interlocked.Read(ref _quarantinedFields);

    /// <summary>Reports of partition- or broker-level Kafka conditions (see the poll loop's condition tracking).</summary>
    public long KafkaConditions => Interlocked.Read(ref _kafkaConditions);

    public void RecordPolled(string topic) => _consumed.Add(topic);

    /// <summary>One sink batch's outcome; <paramref name="oldest"/> is the Kafka timestamp of its oldest row.</summary>
    public void RecordSunk(string table, string sink, int written, int alreadyWritten, DateTimeOffset oldest, DateTimeOffset acknowledged)
    {
        Interlocked.Add(ref _sunk, written);
        Interlocked.Add(ref _alreadyWritten, alreadyWritten);
        _written.Add((table, sink), written);
        _alreadyWrittenByTable.Add(table, alreadyWritten);
        if (_endToEnd.Enabled)
        {
            _endToEnd.Record(Math.Max(0, (acknowledged - oldest).TotalSeconds), new KeyValuePair<string, object?>("table", table));
        }
    }

    public void RecordBatch(string table, string sink, int rows, TimeSpan writeDuration, TimeSpan stageDuration)
    {
        _batchRows.Record(rows, new KeyValuePair<string, object?>("table", table));
        _sinkWrite.Record(writeDuration.TotalSeconds, new KeyValuePair<string, object?>("sink", sink), new KeyValuePair<string, object?>("table", table));
        _stageDuration.Record(stageDuration.TotalSeconds, new KeyValuePair<string, object?>("stage", "sink"));
    }

    public void RecordDeadLettered(string topic, string errorType, string stage, TimeSpan duration)
    {
        Interlocked.Increment(ref _deadLettered);
        _deadLetteredBy.Add((topic, errorType, stage));
        _stageDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("stage", "dead_letter"));
    }

    public void RecordTombstone(string topic)
    {
        Interlocked.Increment(ref _tombstones);
        _tombstonesByTopic.Add(topic);
    }

    public void RecordOffsetReset(string topic, long skipped)
    {
        Interlocked.Increment(ref _offsetResets);
        Interlocked.Add(ref _offsetResetSkipped, Math.Max(0, skipped));
        _resets.Add(topic);
        _skipped.Add(topic, Math.Max(0, skipped));
    }

    public void RecordRebalance(string kind) => _rebalances.Add(kind);

    public void RecordSinkRetry()
    {
        Interlocked.Increment(ref _sinkRetries);
        _retries.Add(Dependency.Sink);
    }

    public void RecordDeadLetterRetry()
    {
        Interlocked.Increment(ref _deadLetterRetries);
        _retries.Add(Dependency.DeadLetter);
    }

    public void RecordRegistryRetry() => _retries.Add(Dependency.SchemaRegistry);

    public void RecordPause() => Interlocked.Increment(ref _pauses);

    public void RecordKafkaCondition() => Interlocked.Increment(ref _kafkaConditions);

    public void RecordQuarantined(string table, string reason)
    {
        Interlocked.Increment(ref _quarantinedFields);
        _quarantined.Add((table, reason));
    }

    public void Dispose() => _meter.Dispose();

    private static InstrumentAdvice<double> Buckets(double[] bounds) => new() { HistogramBucketBoundaries = bounds };

    private IEnumerable<Measurement<T>> Gauges<TItem, T>(Func<PipelineGauges, IEnumerable<TItem>> items, Func<TItem, Measurement<T>?> measure)
        where T : struct
    {
        if (_gauges is not { } gauges)
        {
            yield break;
        }

        foreach (var item in items(gauges))
        {
            if (measure(item) is { } measurement)
            {
                yield return measurement;
            }
        }
    }

    private IEnumerable<Measurement<T>> Gauges<TItem, T>(Func<PipelineGauges, IEnumerable<TItem>> items, Func<TItem, Measurement<T>> measure)
        where T : struct => Gauges(items, item => (Measurement<T>?)measure(item));

    private IEnumerable<Measurement<int>> Degraded()
    {
        foreach (var measurement in Gauges(static g => g.Dependencies(), static d => new Measurement<int>(d.Degraded ? 1 : 0, new KeyValuePair<string, object?>("dependency", d.Name))))
        {
            yield return measurement;
        }

        foreach (var (name, degraded) in _otherDependencies)
        {
            yield return new Measurement<int>(degraded() ? 1 : 0, new KeyValuePair<string, object?>("dependency", name));
        }
    }

    private IEnumerable<Measurement<long>> Budget(Func<InFlightBudget, long> read) =>
        _gauges?.Budget is { } budget ? [new Measurement<long>(read(budget))] : [];

    private IEnumerable<Measurement<int>> Single(Func<PipelineGauges, int> read) =>
        _gauges is { } gauges ? [new Measurement<int>(read(gauges))] : [];

    private IEnumerable<Measurement<T>> Partitions<T>(Func<PartitionGauge, T> read)
        where T : struct =>
        Gauges(static g => g.Partitions(), p => new Measurement<T>(read(p), new KeyValuePair<string, object?>("topic", p.Topic), new KeyValuePair<string, object?>("partition", p.Partition)));

    private IEnumerable<Measurement<long>> BigQuery(Func<BigQuerySinkStats, IEnumerable<Measurement<long>>> read) =>
        _gauges?.BigQuery is { } stats ? read(stats) : [];

    private static (string Version, string Commit) BuildVersion()
    {
        var informational = typeof(PipelineMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, "unknown") : (informational[..plus], informational[(plus + 1)..]);
    }
}

/// <summary>The dependency names used as the <c>dependency</c> label.</summary>
public static class Dependency
{
    public const string Sink = "sink";
    public const string DeadLetter = "dlq";
    public const string SchemaRegistry = "schema_registry";
    public const string Kafka = "kafka";

    /// <summary>The alert throttle's Redis (<c>alerts.redis</c>): degraded while alerts are throttled in-process.</summary>
    public const string Redis = "redis";
}

/// <summary>
/// One owned partition's figures, published by the poll thread about once a second. <paramref name="NextOffset"/> is
/// where its next fetch starts and <paramref name="CommittableOffset"/> what would be committed (−1 while unknown).
/// <paramref name="FromLogStart"/>: nothing polled yet and the assignment starts at the log's beginning, so the next
/// offset is the broker's log start offset, which the consumer learns only with its first fetch.
/// </summary>
public readonly record struct PartitionGauge(
    string Topic, int Partition, long LagMessages, double LagSeconds, long CommitLagMessages, bool Paused, double LastProgressUnixSeconds,
    long NextOffset = -1, long CommittableOffset = -1, bool FromLogStart = false);

/// <summary>One partition's lag as the lag monitor read it (the broker's high watermark minus the position).</summary>
public readonly record struct PartitionLag(string Topic, int Partition, long Messages);

public readonly record struct StageQueue(string Stage, int Depth, int Capacity);

/// <param name="CircuitState">0 closed, 1 half-open, 2 open; null when the dependency has no breaker.</param>
public readonly record struct DependencyState(string Name, bool Degraded, int? CircuitState);

public readonly record struct TableGauge(string Table, int Columns, long ColumnsAdded);

/// <summary>What the pipeline lets the gauges read; every delegate must be safe to call from the exporter's thread.</summary>
public sealed class PipelineGauges
{
    public required InFlightBudget Budget { get; init; }

    public required Func<IEnumerable<StageQueue>> StageQueues { get; init; }

    public required Func<IReadOnlyList<PartitionGauge>> Partitions { get; init; }

    public required Func<int> AssignedPartitions { get; init; }

    public required Func<IEnumerable<DependencyState>> Dependencies { get; init; }

    public required Func<IEnumerable<TableGauge>> Tables { get; init; }

    public BigQuerySinkStats? BigQuery { get; init; }

    internal Tally<(string Table, string Outcome)>? Registrations { get; init; }
}
