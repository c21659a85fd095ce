using Confluent.SchemaRegistry;

namespace StreamHeal.SchemaRegistry;

/// <summary>
/// Schemas by id, fetched from the registry once per id and kept in a <see cref="BoundedCache{TKey, TValue}"/>
/// of <see cref="SchemaRegistryOptions.CacheCapacity"/> entries. Ids are immutable in the registry, so an
/// entry never goes stale; only capacity evicts it.
/// </summary>
public sealed class SchemaCache : IDisposable
{
    private readonly BoundedCache<int, Schema> _schemas;
    private readonly Func<int, CancellationToken, Task<Schema>> _load;

    public SchemaCache(ISchemaRegistryClient client, SchemaRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _load = client.GetSchemaByIdAsync;
        _schemas = new BoundedCache<int, Schema>(options.CacheCapacity);
        Capacity = options.CacheCapacity;
    }

    public int Count => _schemas.Count;

    /// <summary><c>schemaRegistry.cacheCapacity</c>; the compiled decoders use the same bound.</summary>
    public int Capacity { get; }

    /// <exception cref="SchemaNotFoundException">No schema has this id: permanent, the record cannot be decoded.</exception>
    /// <exception cref="SchemaRegistryUnavailableException">The registry is down: retry, do not dead-letter.</exception>
    public ValueTask<Schema> GetSchemaAsync(int id, CancellationToken cancellationToken = default) =>
        _schemas.GetOrLoadAsync(id, _load, cancellationToken);

    public void Dispose() => _schemas.Dispose();
}
