using System.Collections.Concurrent;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Logging;
using StreamHeal.SchemaRegistry;
using StreamHeal.Tables;

namespace StreamHeal.SchemaState;

/// <summary>
/// Keeps each table's schema state in the Schema Registry, shared by every replica. The state is the union of all
/// registered versions' fields, so a version registered concurrently by another replica never drops a field; to add
/// columns a replica reads, merges, registers, and on 409 reads and decides again. One registration runs per table at
/// a time and callers whose columns appeared meanwhile return at once (single flight). When the registry cannot be
/// reached the registrar is degraded: callers learn it at once (their new fields are quarantined, nothing waits) and it
/// tries again after <see cref="SchemaStateOptions.RetryDegradedAfter"/>; <see cref="WatchAsync"/> sees the registry
/// back even when no new column comes to try it.
/// </summary>
public sealed class SchemaRegistrar : IDisposable
{
    private const int MaxRegisterAttempts = 5;

    private readonly ISchemaRegistryClient _client;
    private readonly SchemaStateOptions _options;
    private readonly SchemaStateFile _file;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Subject, int Version), List<TableColumn>> _versions = new();
    private long _retryAt;
    private volatile bool _degraded;
    private volatile string? _failedSubject;

    public SchemaRegistrar(ISchemaRegistryClient client, SchemaStateOptions options, ILogger logger, TimeProvider timeProvider)
    {
        _client = client;
        _options = options;
        _file = new SchemaStateFile(options.Directory);
        _logger = logger;
        _timeProvider = timeProvider;
    }

    public string SubjectFor(string table) => _options.SubjectFor(table);

    /// <summary>True while the registry cannot be reached; clears itself on the next successful call.</summary>
    public bool Degraded => _degraded;

    /// <summary>
    /// While degraded, asks the registry again every <see cref="SchemaStateOptions.RetryDegradedAfter"/> (the versions
    /// of the subject whose call failed) and clears <see cref="Degraded"/> when it answers. Without it, a registrar
    /// degraded at start-up stayed so until a new column came; and a degraded registry tells the stall watchdog that an
    /// outage explains every stall, so it would never act.
    /// </summary>
    public async Task WatchAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.RetryDegradedAfter, _timeProvider, stop);
                if (_degraded && _failedSubject is { } subject)
                {
                    await ProbeAsync(subject, stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task ProbeAsync(string subject, CancellationToken stop)
    {
        try
        {
            await _client.GetVersionsAsync(subject, stop);
            Healthy();
        }
        catch (SubjectNotFoundException)
        {
            Healthy(); // An answer: the subject was deleted meanwhile; the next registration creates it again.
        }
        catch (StreamHeal.SchemaRegistry.SchemaRegistryException e)
        {
            // Down, or answering but refusing (credentials, permissions): still unusable either way.
            Degrade(subject, e);
        }
    }

    /// <summary>Registrations per table and outcome (registered, conflict, unavailable), for the metrics.</summary>
    internal Telemetry.Tally<(string Table, string Outcome)> Registrations { get; } = new(static k => [new("table", k.Table), new("outcome", k.Outcome)]);

    /// <summary>
    /// The table's state at start-up: from the registry (and saved locally), or from the local copy while the
    /// registry is down (degraded), or empty for a new table.
    /// </summary>
    public async Task<IReadOnlyList<TableColumn>> LoadAsync(string table, CancellationToken cancellationToken)
    {
        try
        {
            var columns = await RegistryColumnsAsync(_options.SubjectFor(table), cancellationToken);
            await _file.SaveAsync(table, columns, cancellationToken);
            Healthy();
            return columns;
        }
        catch (SchemaRegistryUnavailableException e)
        {
            Degrade(_options.SubjectFor(table), e);
            return await _file.LoadAsync(table, cancellationToken) ?? [];
        }
    }

    /// <summary>
    /// Makes sure <paramref name="proposals"/> are columns of <paramref name="schema"/>, registering them if needed.
    /// A name the registry already holds keeps the registry's type. Returns false while the registry is unreachable.
    /// </summary>
    public async Task<bool> EnsureAsync(TableSchema schema, IReadOnlyList<TableColumn> proposals, CancellationToken cancellationToken)
    {
        if (AllPresent(schema, proposals))
        {
            return true;
        }

        if (_degraded && _timeProvider.GetTimestamp() < Interlocked.Read(ref _retryAt))
        {
            return false;
        }

        var gate = _gates.GetOrAdd(schema.Table, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (AllPresent(schema, proposals))
            {
                return true;
            }

            await RegisterAsync(schema, proposals, cancellationToken);
            Healthy();
            return true;
        }
        catch (SchemaRegistryUnavailableException e)
        {
            Registrations.Add((schema.Table, "unavailable"));
            Degrade(_options.SubjectFor(schema.Table), e);
            return false;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task RegisterAsync(TableSchema schema, IReadOnlyList<TableColumn> proposals, CancellationToken cancellationToken)
    {
        var subject = _options.SubjectFor(schema.Table);
        var before = schema.Current.Columns;
        for (var attempt = 1; ; attempt++)
        {
            var registered = await RegistryColumnsAsync(subject, cancellationToken);
            schema.Merge(registered);
            schema.Merge(proposals);
            var wanted = schema.Current.Columns;
            if (wanted.Count == registered.Count)
            {
                break; // Another replica registered everything meanwhile.
            }

            try
            {
                await _client.RegisterAvroAsync(subject, StateSchemaAvro.ToAvro(schema.Table, wanted), cancellationToken);
                SchemaStateLog.Registered(_logger, schema.Table, subject, wanted.Count - registered.Count);
                Registrations.Add((schema.Table, "registered"));
                break;
            }
            catch (IncompatibleSchemaException e) when (attempt < MaxRegisterAttempts)
            {
                // Someone registered a conflicting type first: forget our proposals and decide again from the registry.
                SchemaStateLog.RegisterConflict(_logger, schema.Table, attempt, e.Message);
                Registrations.Add((schema.Table, "conflict"));
                schema.Reset(await RegistryColumnsAsync(subject, cancellationToken));
                schema.Merge(before);
            }
        }

        // Two replicas can register different spellings or types of one name in the same moment (the registry sees
        // two different fields). The union of versions in version order decides, identically for everyone.
        schema.Reset(await RegistryColumnsAsync(subject, cancellationToken));
        schema.Merge(before);
        await _file.SaveAsync(schema.Table, schema.Current.Columns, cancellationToken);
    }

    /// <summary>The union of every version's fields, in version order (the first type registered for a name wins).</summary>
    private async Task<List<TableColumn>> RegistryColumnsAsync(string subject, CancellationToken cancellationToken)
    {
        IReadOnlyList<int> versions;
        try
        {
            versions = await _client.GetVersionsAsync(subject, cancellationToken);
        }
        catch (SubjectNotFoundException)
        {
            return [];
        }

        var union = new TableSchema(subject);
        foreach (var version in versions)
        {
            if (!_versions.TryGetValue((subject, version), out var columns))
            {
                var registered = await _client.GetVersionAsync(subject, version, cancellationToken);
                columns = StateSchemaAvro.FromAvro(registered.SchemaString);
                _versions[(subject, version)] = columns;
            }

            union.Merge(columns);
        }

        return [.. union.Current.Columns];
    }

    private static bool AllPresent(TableSchema schema, IReadOnlyList<TableColumn> proposals)
    {
        var snapshot = schema.Current;
        foreach (var proposal in proposals)
        {
            if (!snapshot.TryGet(proposal.Name, out _))
            {
                return false;
            }
        }

        return true;
    }

    private void Degrade(string subject, Exception e)
    {
        _failedSubject = subject;
        Interlocked.Exchange(ref _retryAt, _timeProvider.GetTimestamp() + (long)(_options.RetryDegradedAfter.TotalSeconds * _timeProvider.TimestampFrequency));
        if (!_degraded)
        {
            _degraded = true;
            SchemaStateLog.Degraded(_logger, e.Message);
        }
    }

    private void Healthy()
    {
        if (_degraded)
        {
            _degraded = false;
            SchemaStateLog.Recovered(_logger);
        }
    }

    public void Dispose()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Dispose();
        }
    }
}
