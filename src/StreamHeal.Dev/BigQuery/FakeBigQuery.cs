using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Dev.BigQuery.Protos;

namespace StreamHeal.Dev.BigQuery;

/// <summary>
/// An in-process BigQuery on 127.0.0.1: the Storage Write gRPC service on <see cref="WriteEndpoint"/> (HTTP/2
/// cleartext) with the real offset rules, row errors for rows the table refuses and a schema propagation delay, and
/// the REST API's tables endpoints on <see cref="RestEndpoint"/> (HTTP/1.1). Both share one <see cref="Store"/>, and
/// both take scripted faults (<see cref="Faults"/>). It logs nothing and leaves signals to its owner.
/// </summary>
internal sealed class FakeBigQuery : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeBigQuery(WebApplication app, Uri writeEndpoint, Uri restEndpoint, FakeBigQueryOptions options)
    {
        _app = app;
        WriteEndpoint = writeEndpoint;
        RestEndpoint = restEndpoint;
        Options = options;
        Store = app.Services.GetRequiredService<FakeBigQueryStore>();
        Faults = app.Services.GetRequiredService<FakeBigQueryFaults>();
        Calls = app.Services.GetRequiredService<FakeCallLog>();
        Appends = app.Services.GetRequiredService<FakeAppendLog>();
    }

    /// <summary>The Storage Write API (gRPC, HTTP/2 without TLS).</summary>
    public Uri WriteEndpoint { get; }

    /// <summary>The REST API root: tables live under <c>/bigquery/v2/projects/{p}/datasets/{d}/tables</c>.</summary>
    public Uri RestEndpoint { get; }

    public FakeBigQueryOptions Options { get; }

    public FakeBigQueryStore Store { get; }

    public FakeBigQueryFaults Faults { get; }

    public FakeCallLog Calls { get; }

    /// <summary>Every append with its start and end, to ask whether one was in flight at a given time.</summary>
    public FakeAppendLog Appends { get; }

    public static async Task<FakeBigQuery> StartAsync(FakeBigQueryOptions? options = null)
    {
        options ??= new FakeBigQueryOptions();
        var builder = WebApplication.CreateSlimBuilder();
        // Started inside other commands and tests: their configuration must not reconfigure it, Kestrel must not log
        // to their console, and Ctrl-C belongs to the owner, not to this server.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedServerLifetime>();
        ListenOptions? grpc = null;
        ListenOptions? rest = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // gRPC without TLS can only be HTTP/2 prior knowledge, which HTTP/1.1 REST clients do not speak: two listeners.
            kestrel.Listen(IPAddress.Loopback, 0, listen => (grpc = listen).Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, listen => (rest = listen).Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddGrpc(grpcOptions => grpcOptions.MaxReceiveMessageSize = 16 * 1024 * 1024);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<FakeBigQueryStore>();
        builder.Services.AddSingleton<FakeBigQueryFaults>();
        builder.Services.AddSingleton<FakeCallLog>();
        builder.Services.AddSingleton(new FakeAppendLog(options.TimeProvider));
        builder.Services.AddSingleton<FakeTablesApi>();
        var app = builder.Build();
        var tables = app.Services.GetRequiredService<FakeTablesApi>();
        app.Use(tables.InjectFailuresAsync);
        app.MapGrpcService<FakeBigQueryWriteService>();
        tables.Map(app);
        await app.StartAsync();
        // Kestrel writes the bound port back into each listener's endpoint.
        return new FakeBigQuery(app, Loopback(grpc!), Loopback(rest!), options);
    }

    /// <summary>Options pointing the production BigQuery sink at this fake's default project and dataset, without auth.</summary>
    /// <param name="delivery"><see cref="BigQuerySinkOptions.AtLeastOnce"/> or <see cref="BigQuerySinkOptions.ExactlyOnce"/>.</param>
    public BigQuerySinkOptions SinkOptions(string delivery) => new()
    {
        ProjectId = Options.ProjectId,
        Dataset = Options.Dataset,
        Delivery = delivery,
        WriteEndpoint = WriteEndpoint,
        RestEndpoint = RestEndpoint,
        Auth = "none",
    };

    /// <summary>Creates a table in the default project and dataset; returns its path, <c>projects/{p}/datasets/{d}/tables/{table}</c>.</summary>
    public string CreateTable(string table, TableSchema schema) => CreateTable(Options.ProjectId, Options.Dataset, table, schema);

    public string CreateTable(string projectId, string dataset, string table, TableSchema schema)
    {
        if (Store.TryCreateTable(projectId, dataset, table, schema) is null)
        {
            throw new InvalidOperationException($"The fake already has table {projectId}:{dataset}.{table}.");
        }

        return FakeTable.PathOf(projectId, dataset, table);
    }

    /// <summary>
    /// Creates a table in the default project and dataset from a REST field list, kept with every property as given
    /// (as a customer's table made with tables.insert); returns its path.
    /// </summary>
    public string CreateTable(string table, JsonArray fields)
    {
        var (schema, shown, error) = FakeFieldJson.Parse(fields);
        if (error is not null || Store.TryCreateTable(Options.ProjectId, Options.Dataset, table, schema!, fields: shown) is null)
        {
            throw new InvalidOperationException($"The fake cannot create table {Options.ProjectId}:{Options.Dataset}.{table}: {error ?? "it exists"}");
        }

        return FakeTable.PathOf(Options.ProjectId, Options.Dataset, table);
    }

    /// <summary>Adds NULLABLE columns as a REST patch without an etag would; appends see them one propagation delay later.</summary>
    public void AddColumns(string tablePath, params TableFieldSchema[] columns)
    {
        var fields = Store.GetTable(tablePath)?.Fields ?? throw new KeyNotFoundException($"The fake has no table {tablePath}.");
        foreach (var column in FakeFieldJson.ToJson(columns).ToArray())
        {
            fields.Add(column!.DeepClone());
        }

        var (outcome, _, error) = Store.PatchSchema(tablePath, fields, ifMatch: null);
        if (outcome != FakePatchOutcome.Patched)
        {
            throw new InvalidOperationException($"Adding columns to {tablePath} failed: {outcome} {error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
    }

    private static Uri Loopback(ListenOptions listen) => new($"http://127.0.0.1:{listen.IPEndPoint!.Port}");
}
