using StreamHeal.IntegrationTests.SchemaRegistry;
using Confluent.SchemaRegistry;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.SchemaRegistry;
using StreamHeal.SchemaState;
using StreamHeal.Dev.Registry;
using Xunit;
using StreamHeal.Tables;
using StreamHeal.TestSupport;

namespace StreamHeal.IntegrationTests.SchemaState;

public sealed class SchemaRegistrarTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("streamheal-state-").FullName;

    // The replicas' clock: their retry-after a registry outage is advanced, not waited for.
    private readonly FakeTimeProvider _clock = new();
    private EmbeddedSchemaRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await EmbeddedSchemaRegistry.StartAsync();

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private (SchemaRegistrar Registrar, ISchemaRegistryClient Client) NewReplica(string name)
    {
        var client = SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = _registry.Url, RequestTimeout = TimeSpan.FromSeconds(2) });
        var options = new SchemaStateOptions { Directory = Path.Combine(_directory, name), RetryDegradedAfter = TimeSpan.FromMilliseconds(200) };
        return (new SchemaRegistrar(client, options, NullLogger.Instance, _clock), client);
    }

    [Fact]
    public async Task Replicas_registering_different_fields_at_once_all_end_up_in_the_state()
    {
        var replicas = Enumerable.Range(0, 4).Select(i => NewReplica($"r{i}")).ToArray();
        var schemas = replicas.Select(_ => new TableSchema("events")).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            for (var f = 0; f < 5; f++)
            {
                Assert.True(await replicas[i].Registrar.EnsureAsync(schemas[i], [new TableColumn($"r{i}_f{f}", ColumnType.String)], CancellationToken.None));
            }
        })));

        var reader = NewReplica("reader");
        var state = await reader.Registrar.LoadAsync("events", CancellationToken.None);
        Assert.Equal(20, state.Count);
        for (var i = 0; i < 4; i++)
        {
            Assert.All(Enumerable.Range(0, 5), f => Assert.Contains(state, c => c.Name == $"r{i}_f{f}"));
        }

        var latest = await reader.Client.LatestAsync("streamheal.events");
        Assert.True(latest.Version >= 2);
        foreach (var (registrar, client) in replicas.Append(reader))
        {
            registrar.Dispose();
            client.Dispose();
        }
    }

    [Fact]
    public async Task The_first_type_registered_wins_for_every_replica()
    {
        var a = NewReplica("a");
        var b = NewReplica("b");
        var schemaA = new TableSchema("events");
        var schemaB = new TableSchema("events");
        await Task.WhenAll(
            a.Registrar.EnsureAsync(schemaA, [new TableColumn("x", ColumnType.Int64)], CancellationToken.None),
            b.Registrar.EnsureAsync(schemaB, [new TableColumn("X", ColumnType.String)], CancellationToken.None));

        Assert.True(schemaA.Current.TryGet("x", out var fromA));
        Assert.True(schemaB.Current.TryGet("x", out var fromB));
        Assert.Equal(fromA, fromB);
        Assert.Single(schemaA.Current.Columns);
    }

    [Fact]
    public async Task A_thousand_rows_discovering_one_field_register_it_once()
    {
        var (registrar, client) = NewReplica("single");
        var schema = new TableSchema("events");
        await Task.WhenAll(Enumerable.Range(0, 1_000).Select(_ => registrar.EnsureAsync(schema, [new TableColumn("new_field", ColumnType.Bool)], CancellationToken.None)));

        Assert.Equal(1, _registry.RequestCount("POST /subjects/streamheal.events/versions"));
        registrar.Dispose();
        client.Dispose();
    }

    [Fact]
    public async Task A_registry_outage_degrades_then_heals_and_a_restart_meanwhile_uses_the_local_copy()
    {
        var (registrar, client) = NewReplica("outage");
        var schema = new TableSchema("events");
        Assert.True(await registrar.EnsureAsync(schema, [new TableColumn("a", ColumnType.String)], CancellationToken.None));

        _registry.FailWith(HttpStatusCode.ServiceUnavailable);
        Assert.False(await registrar.EnsureAsync(schema, [new TableColumn("b", ColumnType.String)], CancellationToken.None));
        Assert.True(registrar.Degraded);

        // A restart while the registry is down still knows column "a" from the local copy.
        var (restarted, restartedClient) = NewReplica("outage");
        Assert.Equal([new TableColumn("a", ColumnType.String)], await restarted.LoadAsync("events", CancellationToken.None));
        Assert.True(restarted.Degraded);

        _registry.Heal();
        _clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(await registrar.EnsureAsync(schema, [new TableColumn("b", ColumnType.String)], CancellationToken.None));
        Assert.False(registrar.Degraded);
        Assert.Equal(["a", "b"], (await restarted.LoadAsync("events", CancellationToken.None)).Select(c => c.Name));
        Assert.False(restarted.Degraded);
        registrar.Dispose();
        client.Dispose();
        restarted.Dispose();
        restartedClient.Dispose();
    }

    /// <summary>
    /// Regression: a registrar degraded at start-up was only cleared by a new column, so with a steady schema it stayed
    /// degraded after the registry came back (and the stall watchdog took every stall for that outage).
    /// </summary>
    [Fact]
    public async Task A_registry_down_at_start_up_is_seen_back_without_a_new_column()
    {
        var (registrar, client) = NewReplica("watch");
        _registry.FailWith(HttpStatusCode.ServiceUnavailable);
        Assert.Empty(await registrar.LoadAsync("events", CancellationToken.None));
        Assert.True(registrar.Degraded);
        using var stop = new CancellationTokenSource();
        var watching = registrar.WatchAsync(stop.Token);
        var probe = "GET /subjects/streamheal.events/versions";
        var asked = _registry.RequestCount(probe);

        // Still down: asked again, still degraded.
        await Eventually.Until(
            () =>
            {
                _clock.Advance(TimeSpan.FromMilliseconds(200));
                return _registry.RequestCount(probe) >= asked + 2;
            },
            TimeSpan.FromSeconds(20), "the registrar to ask the registry again");
        Assert.True(registrar.Degraded);

        _registry.Heal();
        await Eventually.Until(
            () =>
            {
                _clock.Advance(TimeSpan.FromMilliseconds(200));
                return !registrar.Degraded;
            },
            TimeSpan.FromSeconds(20), "the registrar to see the registry back");

        await stop.CancelAsync();
        await watching;
        registrar.Dispose();
        client.Dispose();
    }

    [Fact]
    public void The_state_schema_round_trips_every_column_type()
    {
        var columns = Enum.GetValues<ColumnType>().Select(t => new TableColumn("c_" + t, t)).ToList();
        Assert.Equal(columns, StateSchemaAvro.FromAvro(StateSchemaAvro.ToAvro("t", columns)));
        var avro = Avro.Schema.Parse(StateSchemaAvro.ToAvro("t", columns));
        Assert.Equal(Avro.Schema.Type.Record, avro.Tag);
    }
}
