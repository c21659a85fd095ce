using System.Collections.Concurrent;
using Confluent.SchemaRegistry;

namespace StreamHeal.SchemaRegistry;

/// <summary>
/// Schemas by id, fetched from the registry once per id and kept in a <see cref="BoundedCache{TKey, TValue}"/>
/// of <see cref="SchemaRegistryOptions.CacheCapacity"/> entries. Ids are immutable in the registry, so an
/// entry never goes stale; only capacity evicts it. An id the registry does not know is asked for again for
/// <see cref="SchemaRegistryOptions.NotFoundGrace"/> from its first miss before it counts as missing.
/// </summary>
public sealed class SchemaCache : IDisposable
{
    // Ids missed, with when they were first missed; cleared past this many (random ids in garbage values).
    private const int MaxMissedIds = 10_000;

    private readonly BoundedCache<int, Schema> _schemas;
    private readonly Func<int, CancellationToken, Task<Schema>> _load;
    private readonly TimeSpan _notFoundGrace;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<int, long> _missedSince = new();

    public SchemaCache(ISchemaRegistryClient client, SchemaRegistryOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _load = client.GetSchemaByIdAsync;
        _schemas = new BoundedCache<int, Schema>(options.CacheCapacity);
        Capacity = options.CacheCapacity;
        _notFoundGrace = options.NotFoundGrace;
        _time = time ?? TimeProvider.System;
    }

    public int Count => _schemas.Count;

    /// <summary><c>schemaRegistry.cacheCapacity</c>; the compiled decoders use the same bound.</summary>
    public int Capacity { get; }

    /// <exception cref="SchemaNotFoundException">No schema has this id, still after the grace: the record cannot be decoded.</exception>
    /// <exception cref="SchemaRegistryUnavailableException">The registry is down: retry, do not dead-letter.</exception>
    public ValueTask<Schema> GetSchemaAsync(int id, CancellationToken cancellationToken = default)
    {
        var cached = _schemas.GetOrLoadAsync(id, _load, cancellationToken);
        return cached.IsCompletedSuccessfully ? cached : GetPatientlyAsync(id, cached, cancellationToken);
    }

    public void Dispose() => _schemas.Dispose();

    private async ValueTask<Schema> GetPatientlyAsync(int id, ValueTask<Schema> first, CancellationToken cancellationToken)
    {
        var load = first;
        while (true)
        {
            try
            {
                return await load.ConfigureAwait(false);
            }
            catch (SchemaNotFoundException) when (AskAgainAfter(id) is { } wait)
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }

            load = _schemas.GetOrLoadAsync(id, _load, cancellationToken);
        }
    }

    /// <summary>How long to wait before asking for a missed id again; null once its grace is over.</summary>
    private TimeSpan? AskAgainAfter(int id)
    {
        if (_missedSince.Count > MaxMissedIds)
        {
            _missedSince.Clear();
        }

        var missed = _time.GetElapsedTime(_missedSince.GetOrAdd(id, _time.GetTimestamp()));
        if (missed >= _notFoundGrace)
        {
            return null;
        }

        // A few tries over the grace: a follower catches up in milliseconds, and each try is a request.
        var step = TimeSpan.FromTicks(Math.Max(_notFoundGrace.Ticks / 8, TimeSpan.FromMilliseconds(50).Ticks));
        return step < _notFoundGrace - missed ? step : _notFoundGrace - missed;
    }
}
