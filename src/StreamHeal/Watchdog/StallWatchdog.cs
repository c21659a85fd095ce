using System.Globalization;
using Microsoft.Extensions.Logging;
using StreamHeal.Alerting;
using StreamHeal.Pipeline;
using StreamHeal.Telemetry;

namespace StreamHeal.Watchdog;

/// <summary>
/// The lag monitor and the stall watchdog, one check every <c>watchdog.lagInterval</c>: reads the lag of every
/// assigned partition (metrics, <c>lag_high</c> per topic), judges stalls (<see cref="StallDetector"/>) and takes the
/// recovery step <see cref="Escalation"/> gives: a new Kafka consumer, an in-process restart, and at last a failing
/// liveness probe. Each step is logged with the pipeline's own description of where records are, counted in
/// <c>streamheal_recoveries_total{action}</c> and raised as <c>consumer_stalled</c> (and <c>pipeline_restarted</c>).
/// Checks run one at a time on the loop of <see cref="RunAsync"/>.
/// </summary>
public sealed class StallWatchdog
{
    private readonly WatchdogOptions _options;
    private readonly PipelineSupervisor _supervisor;
    private readonly PipelineMetrics _metrics;
    private readonly PipelineIncidents? _incidents;
    private readonly Func<Incident, bool> _raise;
    private readonly Func<IReadOnlyList<(string Topic, int Partition)>, BrokerOffset, Task<IReadOnlyDictionary<(string Topic, int Partition), long>>>? _brokerOffsets;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StallDetector _detector;
    private readonly Escalation _escalation;
    private readonly Dictionary<(string Topic, int Partition), (IncidentCondition Condition, Stall Stall)> _stalled = [];
    private readonly Dictionary<(string Topic, int Partition), long> _knownHighs = [];
    private DateTimeOffset _lastStep;
    private Dictionary<(string Topic, int Partition), (PartitionSample Sample, bool Starved)> _atStep = [];
    private long _checks;

    /// <param name="incidents">Where <c>lag_high</c> is decided per topic; null raises none.</param>
    /// <param name="raise">Where <c>consumer_stalled</c> and <c>pipeline_restarted</c> go; must not block.</param>
    /// <param name="brokerOffsets">Reads the brokers' high watermarks and log start offsets (<see cref="BrokerWatermarks.QueryAsync"/>); null uses the consumer's cached ones only.</param>
    public StallWatchdog(
        WatchdogOptions options, PipelineSupervisor supervisor, PipelineMetrics metrics, PipelineIncidents? incidents, Func<Incident, bool> raise,
        Func<IReadOnlyList<(string Topic, int Partition)>, BrokerOffset, Task<IReadOnlyDictionary<(string Topic, int Partition), long>>>? brokerOffsets,
        TimeProvider time, ILogger logger)
    {
        _options = options;
        _supervisor = supervisor;
        _metrics = metrics;
        _incidents = incidents;
        _raise = raise;
        _brokerOffsets = brokerOffsets;
        _time = time;
        _logger = logger;
        _detector = new StallDetector(options.StallAfter);
        _escalation = new Escalation(options.MaxRestarts, options.RestartWindow);
        metrics.StartRecoveries(Enum.GetValues<RecoveryAction>().Select(static a => a.Label()));
    }

    /// <summary>Lag checks done so far (the health of the watchdog itself).</summary>
    public long Checks => Interlocked.Read(ref _checks);

    /// <summary>The latest reading; empty before the first check.</summary>
    public LagReading? LastReading { get; private set; }

    public async Task RunAsync(CancellationToken stop)
    {
        WatchdogLog.Started(_logger, _options.LagInterval, _options.StallAfter, _options.MaxRestarts, _options.RestartWindow, _options.Enabled ? "on" : "off (watchdog.enabled)");
        using var timer = new PeriodicTimer(_options.LagInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await CheckAsync();
                }
#pragma warning disable CA1031 // One failed check must not end the watchdog: the next one reads everything again.
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    WatchdogLog.CheckFailed(_logger, e.Message, e);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>One lag check and, when a partition is stalled, one recovery step.</summary>
    public async Task CheckAsync()
    {
        var pipeline = _supervisor.Current;
        var status = pipeline.Status;
        var gauges = pipeline.PartitionGauges;
        var highs = WithKnownHighs(gauges, await BrokerOffsetsAsync(gauges, BrokerOffset.High));
        // A partition read from the beginning that has polled nothing has no position yet; its lag starts at the log start.
        var logStarts = await BrokerOffsetsAsync([.. gauges.Where(static g => g.FromLogStart)], BrokerOffset.LogStart);
        var reading = LagReading.From(gauges, highs, logStarts, pipeline.Metrics.Finished);
        LastReading = reading;
        _incidents?.CheckLag(reading.ByTopic);
        var now = _time.GetUtcNow();
        IReadOnlyList<Stall> stalls = [];
        if (status is { PollLoop: PollLoopState.Running, Stopping: false } && !_supervisor.Restarting)
        {
            stalls = _detector.Observe(reading.Samples, status.Degraded, now);
        }
        else
        {
            // Starting, stopping or restarting: nothing is expected to move, and the clocks start again after it.
            _detector.Restart();
        }

        _metrics.RecordLagCheck(reading.Partitions, stalls.Count);
        if (stalls.Count > 0 && _options.Enabled && !_escalation.GaveUp)
        {
            Escalate(stalls, pipeline, now, reading.Samples);
        }
        else if (stalls.Count == 0 && _escalation.Escalated && now - _lastStep >= _options.StallAfter && HealCheck.Progressed(_atStep, reading.Samples))
        {
            _escalation.Healed();
            WatchdogLog.Healed(_logger, (now - _lastStep).TotalSeconds, HowMoved(reading.Samples));
        }

        RaiseStalled(stalls, now);
        Interlocked.Increment(ref _checks);
    }

    /// <summary>
    /// The brokers' answer, and for a partition they did not answer for, the last high watermark they gave. The
    /// consumer's cached one stops with its fetches, so when the leader hangs both, it would read a stuck partition
    /// as caught up; a high watermark only grows, so the last answer is still a true lower bound. Answers are kept
    /// for every partition ever owned here (a bounded set), so a partition lost and assigned again while the leader
    /// still hangs keeps its last answer.
    /// </summary>
    private Dictionary<(string Topic, int Partition), long> WithKnownHighs(
        IReadOnlyList<PartitionGauge> gauges, IReadOnlyDictionary<(string Topic, int Partition), long> answered)
    {
        foreach (var (key, high) in answered)
        {
            _knownHighs[key] = high;
        }

        var highs = new Dictionary<(string Topic, int Partition), long>(gauges.Count);
        foreach (var gauge in gauges)
        {
            if (_knownHighs.TryGetValue((gauge.Topic, gauge.Partition), out var high))
            {
                highs[(gauge.Topic, gauge.Partition)] = high;
            }
        }

        return highs;
    }

    private async Task<IReadOnlyDictionary<(string Topic, int Partition), long>> BrokerOffsetsAsync(IReadOnlyList<PartitionGauge> gauges, BrokerOffset which)
    {
        if (_brokerOffsets is null || gauges.Count == 0)
        {
            return new Dictionary<(string, int), long>();
        }

        try
        {
            return await _brokerOffsets([.. gauges.Select(static g => (g.Topic, g.Partition))], which);
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            WatchdogLog.WatermarksUnavailable(_logger, e.Error.Reason);
            return new Dictionary<(string, int), long>();
        }
    }

    /// <summary>For the log: each partition stalled at the last step, then and now.</summary>
    private string HowMoved(IReadOnlyList<PartitionSample> samples)
    {
        var now = samples.ToDictionary(static s => (s.Topic, s.Partition));
        return string.Join("; ", _atStep.Select(at => now.TryGetValue(at.Key, out var after)
            ? string.Create(CultureInfo.InvariantCulture, $"{Name(at.Key.Topic, at.Key.Partition)} lag {after.Lag}, committable {at.Value.Sample.Committable} -> {after.Committable}, position {at.Value.Sample.Position} -> {after.Position}, topic finished {at.Value.Sample.Finished} -> {after.Finished}")
            : $"{Name(at.Key.Topic, at.Key.Partition)} no longer owned here"));
    }

    private void Escalate(IReadOnlyList<Stall> stalls, IngestionPipeline pipeline, DateTimeOffset now, IReadOnlyList<PartitionSample> samples)
    {
        var stalled = stalls.ToDictionary(static s => (s.Topic, s.Partition), static s => s.Starved);
        _atStep = samples.Where(s => stalled.ContainsKey((s.Topic, s.Partition))).ToDictionary(static s => (s.Topic, s.Partition), s => (s, stalled[(s.Topic, s.Partition)]));
        var action = _escalation.Next(now);
        var where = pipeline.Describe();
        foreach (var stall in stalls)
        {
            WatchdogLog.Stalled(_logger, Name(stall.Topic, stall.Partition), stall.Lag, stall.Starved ? "not read while other partitions were" : "no committed progress", stall.StuckFor.TotalSeconds, action.Label(), where);
        }

        _metrics.RecordRecovery(action.Label());
        _lastStep = now;
        _detector.Restart();
        switch (action)
        {
            case RecoveryAction.RecreateConsumer:
                WatchdogLog.RecreatingConsumer(_logger);
                if (!_supervisor.RecreateConsumer())
                {
                    WatchdogLog.NothingToRecreate(_logger);
                }

                break;
            case RecoveryAction.RestartPipeline:
                var restart = _escalation.RestartsWithin(now);
                WatchdogLog.RestartingPipeline(_logger, restart, _options.MaxRestarts, _options.RestartWindow);
                _raise(IncidentCatalog.Restarted(
                    string.Create(CultureInfo.InvariantCulture, $"Stalled partitions {string.Join(", ", stalls.Select(static s => Name(s.Topic, s.Partition)))} did not recover with a new consumer; restart {restart} of at most {_options.MaxRestarts} within {_options.RestartWindow}. Records: {where}"),
                    now));
                _supervisor.Restart();
                break;
            default:
                var restarts = _escalation.RestartsWithin(now);
                WatchdogLog.GaveUp(_logger, restarts, _options.RestartWindow, where);
                _supervisor.GiveUp(string.Create(CultureInfo.InvariantCulture, $"partitions {string.Join(", ", stalls.Select(static s => Name(s.Topic, s.Partition)))} still stalled after {restarts} in-process restart(s) within {_options.RestartWindow} (watchdog.maxRestarts {_options.MaxRestarts})"));
                break;
        }
    }

    /// <summary>
    /// <c>consumer_stalled</c> per partition: raised while it is stalled and, once a recovery step was taken, until the
    /// watchdog finds it healed; then resolved, with a <c>recovered</c> incident.
    /// </summary>
    private void RaiseStalled(IReadOnlyList<Stall> stalls, DateTimeOffset now)
    {
        var current = stalls.ToDictionary(static s => (s.Topic, s.Partition));
        foreach (var stall in stalls)
        {
            var key = (stall.Topic, stall.Partition);
            _stalled[key] = (_stalled.TryGetValue(key, out var known) ? known.Condition : new IncidentCondition(), stall);
        }

        foreach (var (key, (condition, stall)) in _stalled.ToList())
        {
            var active = current.ContainsKey(key) || _escalation.Escalated || _escalation.GaveUp;
            condition.Update(active, now, _raise, since => IncidentCatalog.Stalled(stall.Topic, stall.Partition, stall.Lag, stall.StuckFor, stall.Starved, _supervisor.Current.Describe(), since));
            if (!active)
            {
                _stalled.Remove(key);
            }
        }
    }

    private static string Name(string topic, int partition) => string.Create(CultureInfo.InvariantCulture, $"{topic}[{partition}]");
}
