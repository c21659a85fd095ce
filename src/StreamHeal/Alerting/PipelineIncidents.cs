using System.Globalization;
using StreamHeal.CompatFilter;
using StreamHeal.Pipeline;
using StreamHeal.Records;

namespace StreamHeal.Alerting;

/// <summary>
/// Turns what the pipeline reports into incidents: outages pushed through <see cref="IPipelineObserver"/> and
/// conditions read from its status by <see cref="Check"/> once a second. A condition is raised again on every check
/// while it holds (the throttle keeps repeats out of the channels and counts them); when it clears, its resolution
/// (Alertmanager's <c>endsAt</c>) and a <c>recovered</c> incident are raised once. Only <see cref="Check"/> and the
/// loop that calls it change the condition states, one at a time; the observer methods only record times.
/// </summary>
public sealed class PipelineIncidents : IPipelineObserver
{
    /// <summary>An outage counts as cleared once no retry failed for this long (the pipeline's own degraded window).</summary>
    public static readonly TimeSpan ClearAfter = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan SurgeWindow = TimeSpan.FromMinutes(1);

    private readonly Func<Incident, bool> _raise;
    private readonly AlertOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly string _topics;
    private readonly Outage _sink = new();
    private readonly Outage _deadLetters = new();
    private readonly IncidentCondition _sinkDown = new();
    private readonly IncidentCondition _deadLettersDown = new();
    private readonly IncidentCondition _registry = new();
    private readonly Dictionary<string, IncidentCondition> _lagByTopic = new(StringComparer.Ordinal);
    private readonly IncidentCondition _surge = new();
    private readonly Queue<(DateTimeOffset At, long DeadLettered)> _deadLetterSamples = new();
    private readonly HashSet<(string Table, string Field, string Reason)> _quarantineSeen = [];
    private long _offsetResets;
    private long _guaranteeLosses;
    private long _quarantineTotal;
    private int _failed;

    /// <param name="raise">Where incidents go, e.g. <see cref="AlertDispatcher.Raise"/>; must not block.</param>
    /// <param name="topics">The topics ingested: the <c>topic</c> label of lag and offset-reset incidents.</param>
    public PipelineIncidents(Func<Incident, bool> raise, AlertOptions options, TimeProvider timeProvider, IReadOnlyList<string> topics)
    {
        _raise = raise;
        _options = options;
        _timeProvider = timeProvider;
        _topics = string.Join(",", topics);
    }

    public void SinkRetry(string sink, string error) => _sink.Fail(sink, error, _timeProvider.GetUtcNow());

    public void DeadLetterRetry(string error) => _deadLetters.Fail("dlq", error, _timeProvider.GetUtcNow());

    public void Failed(string reason)
    {
        if (Interlocked.Exchange(ref _failed, 1) == 0)
        {
            _raise(IncidentCatalog.Failed(reason, _timeProvider.GetUtcNow()));
        }
    }

    /// <summary>Checks every <see cref="CheckInterval"/> until <paramref name="stop"/>.</summary>
    /// <param name="guaranteeLosses">Exactly-once losses the sink counted so far (BigQuery); null for sinks without them.</param>
    public async Task RunAsync(
        Func<PipelineStatus> status, QuarantineCounts? quarantine, Func<bool> registryDegraded, Func<long>? guaranteeLosses, string sink, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(CheckInterval, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                Check(status(), quarantine, registryDegraded());
                if (guaranteeLosses is not null)
                {
                    CheckGuaranteeLosses(sink, guaranteeLosses());
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public void Check(PipelineStatus status, QuarantineCounts? quarantine, bool registryDegraded)
    {
        var now = _timeProvider.GetUtcNow();
        CheckOutage(_sink, _sinkDown, now, static (o, down, now) => IncidentCatalog.SinkDown(o.Name, down, o.LastError, o.Since));
        CheckOutage(_deadLetters, _deadLettersDown, now, static (o, _, _) => IncidentCatalog.DeadLetterDown(o.LastError, o.Since));
        _registry.Update(registryDegraded, now, _raise, static since => IncidentCatalog.RegistryDegraded(since));

        if (status.Failure is { } failure)
        {
            Failed(failure);
        }

        if (status.OffsetResets > _offsetResets)
        {
            _raise(IncidentCatalog.OffsetResetOn(
                _topics,
                string.Create(CultureInfo.InvariantCulture, $"{status.OffsetResets - _offsetResets} reset(s); the log names each partition and the skipped range (event 1010)"),
                now));
            _offsetResets = status.OffsetResets;
        }

        CheckSurge(status.DeadLettered, now);
        if (quarantine is not null)
        {
            CheckQuarantine(quarantine, now);
        }
    }

    /// <summary>
    /// Raises <c>lag_high</c> per topic above <c>alerts.lagWarning</c> (critical above <c>alerts.lagCritical</c>) and
    /// resolves it when the lag falls back; called by the lag monitor after each reading, one call at a time. A topic
    /// missing from <paramref name="lagByTopic"/> (no partition assigned here) clears.
    /// </summary>
    public void CheckLag(IReadOnlyDictionary<string, long> lagByTopic)
    {
        var now = _timeProvider.GetUtcNow();
        foreach (var topic in lagByTopic.Keys.Concat(_lagByTopic.Keys).Distinct(StringComparer.Ordinal).ToList())
        {
            if (!_lagByTopic.TryGetValue(topic, out var condition))
            {
                _lagByTopic[topic] = condition = new IncidentCondition();
            }

            var lag = lagByTopic.GetValueOrDefault(topic);
            condition.Update(
                lag > _options.LagWarning, now, _raise,
                since => IncidentCatalog.Lag(topic, lag, _options.LagWarning, _options.LagCritical, since)!);
        }
    }

    /// <summary>Raises <c>exactly_once_lost</c> each time the sink's loss count grew.</summary>
    public void CheckGuaranteeLosses(string sink, long losses)
    {
        if (losses > _guaranteeLosses)
        {
            _raise(IncidentCatalog.ExactlyOnceLostIn(sink, losses, _timeProvider.GetUtcNow()));
            _guaranteeLosses = losses;
        }
    }

    private void CheckOutage(Outage outage, IncidentCondition condition, DateTimeOffset now, Func<Outage.State, TimeSpan, DateTimeOffset, Incident> make)
    {
        var state = outage.Read();
        var active = state is { } s && now - s.LastFailure < ClearAfter;
        if (!active)
        {
            outage.ClearIfUnchanged(state);
        }

        condition.Update(active && now - state!.Since >= _options.OutageAfter, now, _raise, _ => make(state!, now - state!.Since, now));
    }

    private void CheckSurge(long deadLettered, DateTimeOffset now)
    {
        _deadLetterSamples.Enqueue((now, deadLettered));
        while (_deadLetterSamples.Count > 1 && now - _deadLetterSamples.Peek().At > SurgeWindow)
        {
            _deadLetterSamples.Dequeue();
        }

        var perMinute = deadLettered - _deadLetterSamples.Peek().DeadLettered;
        _surge.Update(
            perMinute > _options.DeadLettersPerMinute, now, _raise,
            since => IncidentCatalog.DeadLetterSurgeOf(perMinute, _options.DeadLettersPerMinute, "", since));
    }

    private void CheckQuarantine(QuarantineCounts quarantine, DateTimeOffset now)
    {
        var total = quarantine.Total;
        if (total == _quarantineTotal)
        {
            return;
        }

        _quarantineTotal = total;
        foreach (var (table, field, reason, _) in quarantine.Snapshot())
        {
            if (!_quarantineSeen.Add((table, field, reason)))
            {
                continue;
            }

            var incident = reason switch
            {
                QuarantineReasons.TypeFlip => IncidentCatalog.TypeFlipOf(table, field, "the column's type", "", now),
                QuarantineReasons.CaseCollisionInEvent or QuarantineReasons.CaseCollisionWithTable => IncidentCatalog.CaseCollisionOf(table, field, now),
                _ => null,
            };
            if (incident is not null)
            {
                _raise(incident);
            }
        }
    }

    /// <summary>A dependency's failures: when they started and the latest. Written by pipeline threads, read by the check.</summary>
    private sealed class Outage
    {
        private readonly Lock _lock = new();
        private State? _state;

        public sealed record State(string Name, string LastError, DateTimeOffset Since, DateTimeOffset LastFailure);

        public void Fail(string name, string error, DateTimeOffset at)
        {
            lock (_lock)
            {
                _state = new State(name, error, _state?.Since ?? at, at);
            }
        }

        public State? Read()
        {
            lock (_lock)
            {
                return _state;
            }
        }

        public void ClearIfUnchanged(State? seen)
        {
            lock (_lock)
            {
                if (ReferenceEquals(_state, seen))
                {
                    _state = null;
                }
            }
        }
    }
}
