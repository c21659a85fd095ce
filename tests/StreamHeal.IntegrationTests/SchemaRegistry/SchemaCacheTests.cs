using StreamHeal.TestSupport;
using System.Diagnostics;
using Confluent.SchemaRegistry;
using System.Net;
using StreamHeal.SchemaRegistry;
using StreamHeal.Dev.Registry;
using Xunit;

namespace StreamHeal.IntegrationTests.SchemaRegistry;

public sealed class SchemaCacheTests : IAsyncLifetime
{
    private EmbeddedSchemaRegistry _registry = null!;
    private readonly List<ISchemaRegistryClient> _cacheClients = [];
    private ISchemaRegistryClient _client = null!;

    public async Task InitializeAsync()
    {
        _registry = await EmbeddedSchemaRegistry.StartAsync();
        _client = SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = _registry.Url });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _cacheClients.ForEach(static c => c.Dispose());
        await _registry.DisposeAsync();
    }

    [Fact]
    public async Task A_thousand_concurrent_misses_for_one_id_make_one_request()
    {
        var id = await _client.RegisterAvroAsync("orders-value", AvroSchemas.OrderV1);
        using var cache = NewCache(capacity: 10);
        // Slow enough that every caller arrives while the first load is still in flight.
        _registry.Slow(TimeSpan.FromMilliseconds(300));

        var schemas = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(() => cache.GetSchemaAsync(id).AsTask())));

        Assert.Equal(1, _registry.RequestCount($"GET /schemas/ids/{id}"));
        Assert.All(schemas, s => Assert.Equal(AvroSchemas.OrderV1, s.SchemaString));
    }

    [Fact]
    public async Task The_least_recently_used_schema_is_evicted_first()
    {
        var (a, b, c) = (await RegisterAsync(1), await RegisterAsync(2), await RegisterAsync(3));
        using var cache = NewCache(capacity: 2);

        await cache.GetSchemaAsync(a);
        await cache.GetSchemaAsync(b);
        await cache.GetSchemaAsync(a); // a is now more recent than b
        await cache.GetSchemaAsync(c); // evicts b
        await cache.GetSchemaAsync(a);
        await cache.GetSchemaAsync(b);

        Assert.Equal((1, 2, 1), (Requests(a), Requests(b), Requests(c)));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public async Task A_failed_load_is_not_cached()
    {
        var id = await RegisterAsync(1);
        using var cache = NewCache(capacity: 10, notFoundGrace: TimeSpan.Zero);

        _registry.FailWith(HttpStatusCode.ServiceUnavailable);
        await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => cache.GetSchemaAsync(id).AsTask());
        _registry.Heal();
        var schema = await cache.GetSchemaAsync(id);
        await Assert.ThrowsAsync<SchemaNotFoundException>(() => cache.GetSchemaAsync(999).AsTask());
        await Assert.ThrowsAsync<SchemaNotFoundException>(() => cache.GetSchemaAsync(999).AsTask());

        Assert.Equal(AvroSchemas.Numbered(1), schema.SchemaString);
        Assert.Equal((2, 2), (Requests(id), Requests(999)));
        Assert.Equal(1, cache.Count);
    }

    /// <summary>
    /// Regression: a registry follower answers 40403 for an id the leader assigned a moment ago, until it has read it.
    /// The first records framed with that id were dead-lettered as schema_not_found.
    /// </summary>
    [Fact]
    public async Task An_id_the_registry_has_not_read_yet_is_asked_for_again_and_found()
    {
        var id = await RegisterAsync(1);
        using var cache = NewCache(capacity: 10, notFoundGrace: TimeSpan.FromSeconds(4));
        _registry.BehindFrom(id);

        var schema = cache.GetSchemaAsync(id).AsTask();
        await Eventually.Until(() => Requests(id) >= 2, TimeSpan.FromSeconds(30), "the id asked for again");
        Assert.False(schema.IsCompleted);
        _registry.Heal();

        Assert.Equal(AvroSchemas.Numbered(1), (await schema.WaitAsync(TimeSpan.FromSeconds(30))).SchemaString);
    }

    [Fact]
    public async Task An_id_still_unknown_after_the_grace_is_not_found_and_later_records_with_it_do_not_wait()
    {
        using var cache = NewCache(capacity: 10, notFoundGrace: TimeSpan.FromMilliseconds(400));
        var started = Stopwatch.GetTimestamp();

        await Assert.ThrowsAsync<SchemaNotFoundException>(() => cache.GetSchemaAsync(999).AsTask());
        var waited = Stopwatch.GetElapsedTime(started);
        var asked = Requests(999);
        started = Stopwatch.GetTimestamp();
        await Assert.ThrowsAsync<SchemaNotFoundException>(() => cache.GetSchemaAsync(999).AsTask());

        Assert.True(waited >= TimeSpan.FromMilliseconds(400), $"gave up after {waited.TotalMilliseconds:0} ms");
        Assert.True(asked >= 3, $"asked {asked} times within the grace");
        // Once per id: the next record asks once and goes to the DLQ.
        Assert.Equal(asked + 1, Requests(999));
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromMilliseconds(400), "the second lookup waited out a grace again");
    }

    [Fact]
    public async Task One_caller_giving_up_does_not_fail_the_others_waiting_on_the_same_load()
    {
        var id = await RegisterAsync(1);
        using var cache = NewCache(capacity: 10);
        _registry.Slow(TimeSpan.FromMilliseconds(300));
        using var impatient = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        var cancelled = cache.GetSchemaAsync(id, impatient.Token).AsTask();
        var patient = cache.GetSchemaAsync(id).AsTask();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(AvroSchemas.Numbered(1), (await patient).SchemaString);
        Assert.Equal(1, Requests(id));
    }

    // Its own client, as in the service: the registering client has the schemas in Confluent's cache already.
    private SchemaCache NewCache(int capacity, TimeSpan? notFoundGrace = null)
    {
        var options = new SchemaRegistryOptions { Url = _registry.Url, CacheCapacity = capacity, NotFoundGrace = notFoundGrace ?? SchemaRegistryOptions.DefaultNotFoundGrace };
        var client = SchemaRegistryClients.Create(options);
        _cacheClients.Add(client);
        return new SchemaCache(client, options);
    }

    private Task<int> RegisterAsync(int n) => _client.RegisterAvroAsync($"subject-{n}", AvroSchemas.Numbered(n));

    private int Requests(int id) => _registry.RequestCount($"GET /schemas/ids/{id}");
}
