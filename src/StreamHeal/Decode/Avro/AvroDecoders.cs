using System.Collections.Concurrent;
using StreamHeal.Records;

namespace StreamHeal.Decode.Avro;

/// <summary>
/// One <see cref="AvroFlattener"/> per schema id, built on first use. Bounded: past <see cref="Capacity"/> the
/// oldest entry is dropped (and rebuilt if its id returns). Thread-safe; hits take no lock, and misses build
/// one at a time so concurrent first uses of an id build it once.
/// </summary>
/// <remarks>A registry id always names the same schema, so on a hit the schema text is not compared.</remarks>
public sealed class AvroDecoders
{
    public const int DefaultCapacity = 100;

    private readonly ConcurrentDictionary<int, AvroFlattener> _flatteners = new();
    // Insertion order of the ids in _flatteners; only touched under _missLock.
    private readonly Queue<int> _order = new();
    private readonly Lock _missLock = new();
    private readonly FlattenOptions _options;
    private readonly FlatFieldPool? _pool;

    /// <param name="options">Naming rules shared with the JSON flattener.</param>
    /// <param name="capacity">Schemas kept; default <see cref="DefaultCapacity"/>.</param>
    /// <param name="pool">Where rows' field arrays come from; null allocates them.</param>
    public AvroDecoders(FlattenOptions options, int capacity = DefaultCapacity, FlatFieldPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _options = options;
        _pool = pool;
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _flatteners.Count;

    /// <summary>The flattener for <paramref name="schemaId"/>, building it from <paramref name="schemaJson"/> on a miss.</summary>
    /// <exception cref="global::Avro.AvroException">The schema is not valid Avro (nothing is cached).</exception>
    /// <exception cref="ArgumentException">The schema's top level is not a record (nothing is cached).</exception>
    public AvroFlattener GetOrAdd(int schemaId, string schemaJson)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        if (_flatteners.TryGetValue(schemaId, out var cached))
        {
            return cached;
        }

        // Schemas are few and build in milliseconds, so serialising misses costs nothing and keeps the bound exact.
        lock (_missLock)
        {
            if (_flatteners.TryGetValue(schemaId, out cached))
            {
                return cached;
            }

            var built = new AvroFlattener(schemaJson, _options, _pool);
            _flatteners[schemaId] = built;
            _order.Enqueue(schemaId);
            while (_order.Count > Capacity)
            {
                _flatteners.TryRemove(_order.Dequeue(), out _);
            }

            return built;
        }
    }
}
