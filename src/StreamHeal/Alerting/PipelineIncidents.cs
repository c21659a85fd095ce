using System.Globalization;
using StreamHeal.CompatFilter;
using StreamHeal.Pipeline;
using StreamHeal.Records;
using StreamHeal.Telemetry;

namespace StreamHeal.Alerting;

/// <summary>
/// Turns what the pipeline reports into incidents: outages pushed through <see cref="IPipelineObserver"/> and
/// conditions read from its status by <see cref="Check"/> once a second. A condition is raised again on every check
/// while it holds (the throttle keeps repeats out of the channels and counts them); when it clears, its resolution
/// (Alertmanager's <c>endsAt</c>) and a <c>recovered</c> incident are raised once. Only <see cref="Check"/> and the
/// loop that calls it change the condition states, one at a time; the observer methods only record times, except the
/// first-seen ones (<see cref="TypeFlip"/>, <see cref="ColumnAdded"/>), which raise at once (raising never blocks).
/// </summary>
public sealed class PipelineIncidents : IPipelineObserver
{
    /// <summary>
    /// An outage counts as cleared once no retry failed for this long (the pipeline's own degraded window) and no call
    /// to the dependency is still being retried.
    /// </summary>
    public static readonly TimeSpan ClearAfter = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>Error types a <c>dead_letter_surge</c> names, most frequent first.</summary>
    public const int TopErrorTypeCount = 3;

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
    private readonly Queue<(DateTimeOffset At, long DeadLettered, IReadOnlyDictionary<string, long>? ByErrorType)> _deadLetterSamples = new();
    private readonly HashSet<(string Table, string Field, string Reason)> _quarantineSeen = [];
    private readonly FirstSeen<(string Table, string Field, string From, string To)> _typeFlips = new();
    private readonly FirstSeen<(string Table, string Column, string Type)> _columns = new();
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

    public void ColumnAdded(string table, string column, string type)
    {
        if (_columns.Add((table, column, type)))
        {
            _raise(IncidentCatalog.ColumnAddedTo(table, column, type, _timeProvider.GetUtcNow()));
        }
    }

    public void TypeFlip(string table, string field, string from, string to, int partition, long offset, string value)
    {
        if (_typeFlips.Add((table, field, from, to)))
        {
            _raise(IncidentCatalog.TypeFlipOf(table, field, from, to, partition, offset, value, _timeProvider.GetUtcNow()));
        }
    }

    /// <summary>Checks every <see cref="CheckInterval"/> until <paramref name="stop"/>.</summary>
    /// <param name="guaranteeLosses">Exactly-once losses the sink counted so far (BigQuery); null for sinks without them.</param>
    /// <param name="deadLettersByErrorType">Dead letters so far per error type, for a surge's top error types; null leaves them out.</param>
    public async Task RunAsync(
        Func<PipelineStatus> status, QuarantineCounts? quarantine, Func<bool> registryDegraded, Func<long>? guaranteeLosses, string sink, CancellationToken stop,
        Func<IReadOnlyDictionary<string, long>>? deadLettersByErrorType = null)
    {
        using var timer = new PeriodicTimer(CheckInterval, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                Check(status(), quarantine, registryDegraded(), deadLettersByErrorType?.Invoke());
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

    /// <param name="deadLettersByErrorType">Dead letters so far per error type (cumulative, like the status's count).</param>
    public void Check(PipelineStatus status, QuarantineCounts? quarantine, bool registryDegraded, IReadOnlyDictionary<string, long>? deadLettersByErrorType = null)
    {
        var now = _timeProvider.GetUtcNow();
        CheckOutage(_sink, _sinkDown, now, status.Retrying.Contains(Dependency.Sink), static (o, down, now) => IncidentCatalog.SinkDown(o.Name, down, o.LastError, o.Since));
        CheckOutage(_deadLetters, _deadLettersDown, now, status.Retrying.Contains(Dependency.DeadLetter), static (o, _, _) => IncidentCatalog.DeadLetterDown(o.LastError, o.Since));
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

        CheckSurge(status.DeadLettered, deadLettersByErrorType, now);
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

    private void CheckOutage(
        Outage outage, IncidentCondition condition, DateTimeOffset now, bool retrying, Func<Outage.State, TimeSpan, DateTimeOffset, Incident> make)
    {
        var state = outage.Read();
        var active = state is { } s && (retrying || now - s.LastFailure < ClearAfter);
        if (!active)
        {
            outage.ClearIfUnchanged(state);
        }

        condition.Update(active && now - state!.Since >= _options.OutageAfter, now, _raise, _ => make(state!, now - state!.Since, now));
    }

    private void CheckSurge(long deadLettered, IReadOnlyDictionary<string, long>? byErrorType, DateTimeOffset now)
    {
        _deadLetterSamples.Enqueue((now, deadLettered, byErrorType));
        while (_deadLetterSamples.Count > 1 && now - _deadLetterSamples.Peek().At > SurgeWindow)
        {
            _deadLetterSamples.Dequeue();
        }

        var oldest = _deadLetterSamples.Peek();
        var perMinute = deadLettered - oldest.DeadLettered;
        _surge.Update(
            perMinute > _options.DeadLettersPerMinute, now, _raise,
            since => IncidentCatalog.DeadLetterSurgeOf(perMinute, _options.DeadLettersPerMinute, TopErrorTypes(byErrorType, oldest.ByErrorType), since));
    }

    /// <summary>"schema_violation 120, decode_error 30": the error types that grew most within the window, at most <see cref="TopErrorTypeCount"/>.</summary>
    internal static string TopErrorTypes(IReadOnlyDictionary<string, long>? now, IReadOnlyDictionary<string, long>? windowStart) =>
        now is null
            ? ""
            : string.Join(", ", now
                .Select(t => (Type: t.Key, Count: t.Value - (windowStart?.GetValueOrDefault(t.Key) ?? 0)))
                .Where(static t => t.Count > 0)
                .OrderByDescending(static t => t.Count)
                .ThenBy(static t => t.Type, StringComparer.Ordinal)
                .Take(TopErrorTypeCount)
                .Select(static t => string.Create(CultureInfo.InvariantCulture, $"{t.Type} {t.Count}")));

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

            // Type flips come through TypeFlip, with the types and a sample the counts do not hold.
            var incident = reason switch
            {
                QuarantineReasons.CaseCollisionInEvent or QuarantineReasons.CaseCollisionWithTable => IncidentCatalog.CaseCollisionOf(table, field, now),
                _ => null,
            };
            if (incident is not null)
            {
                _raise(incident);
            }
        }
    }

    /// <summary>Keys told once, bounded: past the capacity new keys are not told (a flood of field names must not grow memory).</summary>
    private sealed class FirstSeen<TKey>
        where TKey : notnull
    {
        private const int Capacity = 10_000;
        private readonly HashSet<TKey> _seen = [];
        private readonly Lock _lock = new();

        public bool Add(TKey key)
        {
            lock (_lock)
            {
                return _seen.Count < Capacity && _seen.Add(key);
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
