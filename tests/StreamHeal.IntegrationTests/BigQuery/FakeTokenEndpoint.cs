using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>
/// An OAuth token endpoint on 127.0.0.1 for service-account credentials: it records each JWT-bearer assertion and
/// answers with the next scripted (token, lifetime), repeating the last one when the script runs out.
/// </summary>
internal sealed class FakeTokenEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Token, int ExpiresIn)> _script;
    private (string Token, int ExpiresIn) _last;

    private FakeTokenEndpoint(WebApplication app, (string, int)[] script)
    {
        _app = app;
        _script = new(script);
        _last = script[^1];
    }

    public Uri TokenUri { get; private set; } = null!;

    /// <summary>Each <c>assertion</c> form value received, in order.</summary>
    public ConcurrentQueue<string> Assertions { get; } = new();

    public static async Task<FakeTokenEndpoint> StartAsync(params (string Token, int ExpiresIn)[] script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var endpoint = new FakeTokenEndpoint(app, script);
        app.MapPost("/token", endpoint.IssueAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        endpoint.TokenUri = new Uri($"http://127.0.0.1:{new Uri(address).Port}/token");
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> IssueAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer")
        {
            return Results.Text("""{"error":"unsupported_grant_type"}""", "application/json", null, 400);
        }

        Assertions.Enqueue(form["assertion"].ToString());
        var (token, expiresIn) = _script.TryDequeue(out var next) ? _last = next : _last;
        var body = new JsonObject { ["access_token"] = token, ["expires_in"] = expiresIn, ["token_type"] = "Bearer" };
        return Results.Text(body.ToJsonString(), "application/json");
    }
}
