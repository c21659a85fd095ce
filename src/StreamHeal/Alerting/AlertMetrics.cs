using System.Diagnostics.Metrics;
using StreamHeal.Telemetry;

namespace StreamHeal.Alerting;

/// <summary>
/// The alerting instruments, on the pipeline's meter (<see cref="PipelineMetrics.MeterName"/>): a Prometheus exporter
/// names them <c>streamheal_alerts_sent_total{severity,channel}</c>, <c>streamheal_alerts_suppressed_total{severity}</c>,
/// <c>streamheal_alert_send_failures_total{channel}</c> and <c>streamheal_alerts_dropped_total</c>
/// (Redis's state is <c>streamheal_degraded{dependency="redis"}</c>, see <see cref="AlertDispatcher.ObserveDegraded"/>). Totals are also kept as plain fields for tests and the CLI.
/// </summary>
public sealed class AlertMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _suppressed;
    private readonly Counter<long> _sendFailures;
    private readonly Counter<long> _dropped;
    private long _sentTotal;
    private long _suppressedTotal;
    private long _droppedTotal;
    private long _failuresTotal;

    public AlertMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(PipelineMetrics.MeterName) ?? new Meter(PipelineMetrics.MeterName);
        _sent = _meter.CreateCounter<long>("streamheal.alerts.sent", "{notification}", "Notifications a channel accepted.");
        _suppressed = _meter.CreateCounter<long>("streamheal.alerts.suppressed", "{incident}", "Incidents held back by the throttle's cooldown.");
        _sendFailures = _meter.CreateCounter<long>("streamheal.alert.send_failures", "{attempt}", "Send attempts a channel did not accept.");
        _dropped = _meter.CreateCounter<long>("streamheal.alerts.dropped", "{incident}", "Incidents dropped because an alert queue was full.");
    }

    public long Sent => Interlocked.Read(ref _sentTotal);

    public long Suppressed => Interlocked.Read(ref _suppressedTotal);

    public long Dropped => Interlocked.Read(ref _droppedTotal);

    public long SendFailures => Interlocked.Read(ref _failuresTotal);

    public void RecordSent(AlertSeverity severity, string channel)
    {
        Interlocked.Increment(ref _sentTotal);
        _sent.Add(1, new("severity", AlertSeverities.Name(severity)), new("channel", channel));
    }

    public void RecordSuppressed(AlertSeverity severity)
    {
        Interlocked.Increment(ref _suppressedTotal);
        _suppressed.Add(1, new KeyValuePair<string, object?>("severity", AlertSeverities.Name(severity)));
    }

    public void RecordSendFailure(string channel)
    {
        Interlocked.Increment(ref _failuresTotal);
        _sendFailures.Add(1, new KeyValuePair<string, object?>("channel", channel));
    }

    public void RecordDropped()
    {
        Interlocked.Increment(ref _droppedTotal);
        _dropped.Add(1);
    }

    public void Dispose() => _meter.Dispose();
}
