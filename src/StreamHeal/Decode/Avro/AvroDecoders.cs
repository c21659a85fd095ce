using System.Collections.Concurrent;
using StreamHeal.Flatten;

namespace StreamHeal.Decode.Avro;

/// <summary>
/// One <see cref="AvroFlattener"/> per schema id, built on first use. Bounded: past <see cref="Capacity"/> the
/// oldest entry is dropped (and rebuilt if its id returns). Thread-safe; concurrent first uses of one id build once.
/// </summary>
/// <remarks>A registry id always names the same schema, so on a hit the schema text is not compared.</remarks>
public sealed class AvroDecoders
{
    public const int DefaultCapacity = 100;

    private readonly ConcurrentDictionary<int, Lazy<AvroFlattener>> _flatteners = new();
    private readonly ConcurrentQueue<int> _order = new();
    private readonly FlattenOptions _options;
    private readonly object _evictLock = new();

    /// <param name="capacity">Schemas kept; default <see cref="DefaultCapacity"/>.</param>
    public AvroDecoders(FlattenOptions options, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _options = options;
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _flatteners.Count;

    /// <summary>The flattener for <paramref name="schemaId"/>, building it from <paramref name="schemaJson"/> on a miss.</summary>
    /// <exception cref="Avro.AvroException">The schema is not valid Avro (nothing is cached).</exception>
    /// <exception cref="ArgumentException">The schema's top level is not a record (nothing is cached).</exception>
    public AvroFlattener GetOrAdd(int schemaId, string schemaJson)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        if (_flatteners.TryGetValue(schemaId, out var cached))
        {
            return Value(schemaId, cached);
        }

        var created = new Lazy<AvroFlattener>(() => new AvroFlattener(schemaJson, _options), LazyThreadSafetyMode.ExecutionAndPublication);
        var entry = _flatteners.GetOrAdd(schemaId, created);
        if (ReferenceEquals(entry, created))
        {
            _order.Enqueue(schemaId);
            Evict();
        }

        return Value(schemaId, entry);
    }

    private AvroFlattener Value(int schemaId, Lazy<AvroFlattener> entry)
    {
        try
        {
            return entry.Value;
        }
        catch
        {
            // A Lazy keeps its exception; drop it so a corrected registry answer can be tried again.
            _flatteners.TryRemove(new KeyValuePair<int, Lazy<AvroFlattener>>(schemaId, entry));
            throw;
        }
    }

    private void Evict()
    {
        lock (_evictLock)
        {
            while (_flatteners.Count > Capacity && _order.TryDequeue(out var oldest))
            {
                _flatteners.TryRemove(oldest, out _);
            }
        }
    }
}
