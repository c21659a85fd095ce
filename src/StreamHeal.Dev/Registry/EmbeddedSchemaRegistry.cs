using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace StreamHeal.Dev.Registry;

/// <summary>
/// An in-memory Confluent Schema Registry on 127.0.0.1 speaking the real REST paths, bodies and error codes,
/// with switches for the failures a client must survive: error statuses, slowness, refused connections.
/// Tests, the demo and <c>streamheal dev-registry</c> run it; it logs nothing and leaves signals to its owner.
/// </summary>
public sealed class EmbeddedSchemaRegistry : IAsyncDisposable
{
    public const string MediaType = "application/vnd.schemaregistry.v1+json";

    private readonly RegistryStore _store = new();
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private volatile FailureSwitch? _failure;
    private long _delayTicks;
    private int _unreadFrom = int.MaxValue;
    private volatile string? _expectedAuthorization;

    private sealed record FailureSwitch(HttpStatusCode Status, int? ErrorCode);

    private EmbeddedSchemaRegistry()
    {
    }

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    public int TotalRequests => _requests.Values.Sum();

    /// <param name="port">Port on 127.0.0.1; 0 (the default) picks a free one.</param>
    public static async Task<EmbeddedSchemaRegistry> StartAsync(int port = 0)
    {
        var registry = new EmbeddedSchemaRegistry();
        await registry.ListenAsync(port);
        return registry;
    }

    /// <summary>Requests seen for one method and path, for example <c>"GET /schemas/ids/1"</c>, failed ones included.</summary>
    public int RequestCount(string methodAndPath) => _requests.GetValueOrDefault(methodAndPath);

    /// <summary>
    /// Answers every request with <paramref name="status"/> until <see cref="Heal"/>: with a registry JSON body
    /// when <paramref name="errorCode"/> is given, else with plain text as a proxy in front of the registry would.
    /// </summary>
    public void FailWith(HttpStatusCode status, int? errorCode = null) => _failure = new FailureSwitch(status, errorCode);

    /// <summary>Delays every response by <paramref name="delay"/> until <see cref="Heal"/>.</summary>
    public void Slow(TimeSpan delay) => Volatile.Write(ref _delayTicks, delay.Ticks);

    /// <summary>
    /// Answers ids from <paramref name="id"/> up with 40403 until <see cref="Heal"/>, as a registry follower that has not
    /// yet read the schemas the leader assigned them does.
    /// </summary>
    public void BehindFrom(int id) => Volatile.Write(ref _unreadFrom, id);

    public void Heal()
    {
        _failure = null;
        Slow(TimeSpan.Zero);
        Volatile.Write(ref _unreadFrom, int.MaxValue);
    }

    /// <summary>Rejects requests without this basic authentication with 401, as a secured registry does.</summary>
    public void RequireBasicAuth(string userInfo) =>
        _expectedAuthorization = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(userInfo));

    /// <summary>Rejects requests without this bearer token with 401, as a registry behind an OAuth gateway does.</summary>
    public void RequireBearerToken(string token) => _expectedAuthorization = "Bearer " + token;

    /// <summary>Closes the listener: clients get connection refused until <see cref="RestartAsync"/>. State is kept.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await app.StopAsync(grace.Token);
            await app.DisposeAsync();
        }
    }

    /// <summary>Listens again on the same port with the same schemas.</summary>
    public Task RestartAsync() => _app is null ? ListenAsync(Port) : Task.CompletedTask;

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Started inside other commands: an appsettings.json or ASPNETCORE_* variable there must not reconfigure it,
        // Kestrel must not log to their console, and Ctrl-C belongs to the command, not to this server.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedServerLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Use(InjectFailuresAsync);
        MapRoutes(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Port = new Uri(address).Port;
        _app = app;
    }

    private async Task InjectFailuresAsync(HttpContext context, RequestDelegate next)
    {
        _requests.AddOrUpdate($"{context.Request.Method} {context.Request.Path}", 1, static (_, n) => n + 1);
        var delay = TimeSpan.FromTicks(Volatile.Read(ref _delayTicks));
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, context.RequestAborted);
        }

        if (_failure is { } failure)
        {
            var result = failure.ErrorCode is { } code
                ? Reply((int)failure.Status, RegistryStore.Error((int)failure.Status, code, "Injected failure").Item2)
                : Results.Text($"{(int)failure.Status} {failure.Status}", "text/plain", null, (int)failure.Status);
            await result.ExecuteAsync(context);
            return;
        }

        if (_expectedAuthorization is { } expected && context.Request.Headers.Authorization != expected)
        {
            await Reply(401, RegistryStore.Error(401, 401, "Unauthorized").Item2).ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    private void MapRoutes(WebApplication app)
    {
        app.MapGet("/subjects", () => Reply(_store.Subjects()));
        app.MapPost("/subjects/{subject}/versions", async (string subject, HttpRequest request) =>
            Reply(_store.Register(subject, await ReadAsync(request))));
        app.MapGet("/subjects/{subject}/versions", (string subject) => Reply(_store.Versions(subject)));
        app.MapGet("/subjects/{subject}/versions/{version}", (string subject, string version) =>
            Reply(_store.Version(subject, version)));
        app.MapGet("/schemas/ids/{id}", (string id) => Reply(_store.SchemaById(id, Volatile.Read(ref _unreadFrom))));
        app.MapPost("/compatibility/subjects/{subject}/versions/{version}", async (string subject, string version, HttpRequest request) =>
            Reply(_store.TestCompatibility(subject, version, await ReadAsync(request))));
        app.MapGet("/config", () => Reply(_store.GetConfig(null, defaultToGlobal: true)));
        app.MapPut("/config", async (HttpRequest request) => Reply(_store.SetConfig(null, await ReadAsync(request))));
        app.MapGet("/config/{subject}", (string subject, bool? defaultToGlobal) =>
            Reply(_store.GetConfig(subject, defaultToGlobal ?? false)));
        app.MapPut("/config/{subject}", async (string subject, HttpRequest request) =>
            Reply(_store.SetConfig(subject, await ReadAsync(request))));
    }

    private static async Task<JsonNode?> ReadAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static IResult Reply((int Status, JsonNode Body) response) => Reply(response.Status, response.Body);

    private static IResult Reply(int status, JsonNode body) => Results.Text(body.ToJsonString(), MediaType, null, status);
}
