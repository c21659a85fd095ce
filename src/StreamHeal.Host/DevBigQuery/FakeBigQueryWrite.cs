using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamHeal.Sink.BigQuery.Protos;

namespace StreamHeal.Host.DevBigQuery;

/// <summary>
/// An in-process BigQuery Storage Write server on 127.0.0.1 (HTTP/2 cleartext) speaking the real gRPC service, with the
/// real offset rules, row errors for rows the table refuses, and scriptable faults (<see cref="Faults"/>).
/// </summary>
internal sealed class FakeBigQueryWrite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeBigQueryWrite(WebApplication app, Uri endpoint, FakeBigQueryStore store, FakeBigQueryFaults faults, FakeCallLog calls)
    {
        _app = app;
        Endpoint = endpoint;
        Store = store;
        Faults = faults;
        Calls = calls;
    }

    public Uri Endpoint { get; }

    public FakeBigQueryStore Store { get; }

    public FakeBigQueryFaults Faults { get; }

    public FakeCallLog Calls { get; }

    public static async Task<FakeBigQueryWrite> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = 16 * 1024 * 1024);
        var store = new FakeBigQueryStore();
        var faults = new FakeBigQueryFaults();
        var calls = new FakeCallLog();
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(faults);
        builder.Services.AddSingleton(calls);
        var app = builder.Build();
        app.MapGrpcService<FakeBigQueryWriteService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FakeBigQueryWrite(app, new Uri($"http://127.0.0.1:{new Uri(address).Port}"), store, faults, calls);
    }

    /// <summary>Creates a table; its path is <c>projects/{project}/datasets/{dataset}/tables/{table}</c>.</summary>
    public string CreateTable(string table, TableSchema schema)
    {
        var path = $"projects/fake/datasets/streamheal/tables/{table}";
        Store.CreateTable(path, schema);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
    }
}
