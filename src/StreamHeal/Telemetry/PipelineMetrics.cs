using System.Diagnostics.Metrics;

namespace StreamHeal.Telemetry;

/// <summary>
/// Every counter the pipeline keeps, in one place. Plain interlocked fields feed the status line, the demo and
/// the health endpoint; the same values are published as <see cref="System.Diagnostics.Metrics"/> instruments
/// (meter <c>StreamHeal</c>) so an exporter can be attached without touching the stages.
/// </summary>
public sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "StreamHeal";

    private readonly Meter _meter;
    private long _polled;
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

    public PipelineMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("streamheal.records.polled", () => Polled, "{record}", "Records taken from Kafka.");
        _meter.CreateObservableCounter("streamheal.records.sunk", () => Sunk, "{record}", "Rows the sink confirmed.");
        _meter.CreateObservableCounter("streamheal.records.dead_lettered", () => DeadLettered, "{record}", "Records the DLQ broker acknowledged.");
        _meter.CreateObservableCounter("streamheal.records.tombstones", () => Tombstones, "{record}", "Null-value records skipped.");
        _meter.CreateObservableCounter("streamheal.offsets.resets", () => OffsetResets, "{reset}", "Committed offsets no longer on the broker.");
        _meter.CreateObservableCounter("streamheal.offsets.reset_skipped", () => OffsetResetSkipped, "{record}", "Records skipped by offset resets.");
        _meter.CreateObservableCounter("streamheal.sink.retries", () => SinkRetries, "{attempt}", "Sink batch attempts that failed transiently.");
        _meter.CreateObservableCounter("streamheal.dlq.retries", () => DeadLetterRetries, "{attempt}", "DLQ sends that failed transiently.");
        _meter.CreateObservableCounter("streamheal.fields.quarantined", () => QuarantinedFields, "{field}", "Fields moved to _quarantine.");
        _meter.CreateObservableCounter("streamheal.poll.pauses", () => Pauses, "{pause}", "Times the poll loop paused partitions for backpressure.");
        _meter.CreateObservableCounter("streamheal.kafka.conditions", () => KafkaConditions, "{report}", "Partition- or broker-level Kafka errors reported to the poll loop.");
    }

    /// <summary>Publishes a 0/1 gauge <c>streamheal.degraded</c> read from <paramref name="degraded"/>.</summary>
    public void ObserveDegraded(Func<bool> degraded) =>
        _meter.CreateObservableGauge("streamheal.degraded", () => degraded() ? 1 : 0, "{state}", "1 while a dependency (sink, DLQ broker, schema registry) is failing.");

    public long Polled => Interlocked.Read(ref _polled);

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

    public void RecordPolled() => Interlocked.Increment(ref _polled);

    public void RecordSunk(int count) => Interlocked.Add(ref _sunk, count);

    public void RecordAlreadyWritten(int count) => Interlocked.Add(ref _alreadyWritten, count);

    public void RecordDeadLettered() => Interlocked.Increment(ref _deadLettered);

    public void RecordTombstone() => Interlocked.Increment(ref _tombstones);

    public void RecordOffsetReset(long skipped)
    {
        Interlocked.Increment(ref _offsetResets);
        Interlocked.Add(ref _offsetResetSkipped, Math.Max(0, skipped));
    }

    public void RecordSinkRetry() => Interlocked.Increment(ref _sinkRetries);

    public void RecordDeadLetterRetry() => Interlocked.Increment(ref _deadLetterRetries);

    public void RecordPause() => Interlocked.Increment(ref _pauses);

    /// <summary>Reports of partition- or broker-level Kafka conditions (see the poll loop's condition tracking).</summary>
    public long KafkaConditions => Interlocked.Read(ref _kafkaConditions);

    public void RecordKafkaCondition() => Interlocked.Increment(ref _kafkaConditions);

    public void RecordQuarantined(int count) => Interlocked.Add(ref _quarantinedFields, count);

    public void Dispose() => _meter.Dispose();
}
