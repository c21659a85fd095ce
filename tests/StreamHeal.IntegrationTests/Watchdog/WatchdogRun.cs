using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StreamHeal.Alerting;
using StreamHeal.Pipeline;
using StreamHeal.Sink;
using StreamHeal.Telemetry;
using StreamHeal.Watchdog;

namespace StreamHeal.IntegrationTests.Watchdog;

/// <summary>
/// What <c>streamheal run</c> wires around the pipeline, for one test: the supervisor that restarts it, the lag monitor
/// and stall watchdog with the brokers' watermarks, and the incidents they raise (collected, not sent).
/// </summary>
internal sealed class WatchdogRun : IAsyncDisposable
{
    private readonly BrokerWatermarks _watermarks;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _guarding;

    /// <param name="lagAlerts">Decides <c>lag_high</c> per topic; null raises none.</param>
    public WatchdogRun(PipelineSettings settings, ISink sink, ILoggerFactory loggers, WatchdogOptions options, AlertOptions? lagAlerts = null)
    {
        // Short stop bounds: a restart must not wait half a minute on a sink call that never returns.
        Supervisor = new PipelineSupervisor(() => new IngestionPipeline(settings, sink, loggers, metrics: Metrics) { StopTimeout = TimeSpan.FromSeconds(1) });
        _watermarks = new BrokerWatermarks(settings.Kafka, TimeSpan.FromSeconds(2));
        var incidents = lagAlerts is null ? null : new PipelineIncidents(Raise, lagAlerts, TimeProvider.System, settings.Kafka.Topics);
        Watchdog = new StallWatchdog(options, Supervisor, Metrics, incidents, Raise, _watermarks.QueryAsync, TimeProvider.System, loggers.CreateLogger("StreamHeal.Watchdog"));
        Running = Task.Run(() => Supervisor.RunAsync(_stop.Token));
        _guarding = Task.Run(() => Watchdog.RunAsync(_stop.Token));
    }

    public PipelineMetrics Metrics { get; } = new();

    public PipelineSupervisor Supervisor { get; }

    public StallWatchdog Watchdog { get; }

    public Task Running { get; }

    public ConcurrentQueue<Incident> Incidents { get; } = new();

    /// <summary>Records finished by every pipeline the supervisor ran.</summary>
    public long Done => Metrics.Sunk + Metrics.AlreadyWritten + Metrics.DeadLettered + Metrics.Tombstones;

    /// <summary>Where the records are, what the watchdog last read and whether it saw an outage; for timed-out waits.</summary>
    public string Describe()
    {
        var status = Supervisor.Status;
        var reading = Watchdog.LastReading;
        var lags = reading is null ? "none" : string.Join(", ", reading.Samples.Select(static s => $"[{s.Partition}] lag {s.Lag} unread {s.Unread} committable {s.Committable} position {s.Position}{(s.Paused ? " paused" : "")}"));
        return $"{Supervisor.Current.Describe()}; watchdog checks {Watchdog.Checks}, last reading {lags}; poll loop {status.PollLoop}, degraded {status.Degraded} (retrying: {string.Join(", ", status.Retrying)}), stopping {status.Stopping}, restarting {Supervisor.Restarting}";
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Running;
        await _guarding;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        await Supervisor.DisposeAsync();
        _watermarks.Dispose();
        Metrics.Dispose();
        _stop.Dispose();
    }

    private bool Raise(Incident incident)
    {
        Incidents.Enqueue(incident);
        return true;
    }
}
