using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamHeal.Pipeline;

namespace StreamHeal.Hosting;

/// <summary>
/// Kestrel on <c>health.bindAddress</c>:<c>health.port</c>. <c>/health/live</c> is 503 only when the poll loop has
/// ended while the service should run; <c>/health/ready</c> is 200 once the sink is reconciled and partitions are
/// assigned, and 503 before that, while stopping and after a failure (<see cref="HealthRules"/>). Both answer with the
/// pipeline status as JSON. <c>/metrics</c> serves the <c>StreamHeal</c> meter and the .NET runtime's meter in the
/// Prometheus text format (<see cref="MetricsExport"/>). Any Host header is answered, and a client that never sends or sends garbage only holds
/// its own connection.
/// </summary>
public sealed partial class HealthEndpoint : IAsyncDisposable
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string MetricsPath = "/metrics";
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    // A probe sends a few hundred bytes at once; a client still sending headers after this is broken.
    private static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;

    private HealthEndpoint(WebApplication app, IPEndPoint endPoint)
    {
        _app = app;
        EndPoint = endPoint;
    }

    /// <summary>The address and port listened on (the port Kestrel chose when <c>health.port</c> is 0 in tests).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Starts listening; throws <see cref="InvalidOperationException"/> naming the settings when it cannot bind.</summary>
    /// <param name="status">The pipeline's status for the probes; null serves <c>/metrics</c> only (the demo, whose
    /// pipeline lives inside its runner).</param>
    /// <param name="port">Overrides <see cref="HealthOptions.Port"/>; tests pass 0 for a free port.</param>
    /// <param name="mapRoutes">Maps more routes on the same listener (e.g. a metrics scrape), after the probes.</param>
    public static async Task<HealthEndpoint> StartAsync(
        HealthOptions options, Func<PipelineStatus>? status, ILoggerFactory loggerFactory, int? port = null,
        Action<IEndpointRouteBuilder>? mapRoutes = null, CancellationToken cancellationToken = default)
    {
        var address = options.ParsedBindAddress();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        // Embedded in the service: the service's configuration and environment must not reconfigure Kestrel, its logs
        // go through the service's filters, and SIGTERM belongs to the service, which keeps the probes up while it drains.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        // It logs every unhealthy probe as an error: a replica that is starting or idle would fill the log every few seconds.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
        builder.Services.AddSingleton<IHostLifetime, OwnerLifetime>();
        ListenOptions? listener = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.RequestHeadersTimeout = RequestHeadersTimeout;
            kestrel.Listen(address, port ?? options.Port, listen => (listener = listen).Protocols = HttpProtocols.Http1);
        });
        if (status is not null)
        {
            builder.Services.AddHealthChecks()
                .Add(new HealthCheckRegistration("live", new PipelineHealthCheck(status, HealthRules.WhyNotLive), HealthStatus.Unhealthy, [LivePath]))
                .Add(new HealthCheckRegistration("ready", new PipelineHealthCheck(status, HealthRules.WhyNotReady), HealthStatus.Unhealthy, [ReadyPath]));
        }


        MetricsExport.Add(builder.Services);

        var app = builder.Build();
        if (status is not null)
        {
            app.MapHealthChecks(LivePath, Probe(LivePath, status));
            app.MapHealthChecks(ReadyPath, Probe(ReadyPath, status));
        }

        app.MapPrometheusScrapingEndpoint(MetricsPath);
        mapRoutes?.Invoke(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException(
                $"The health endpoint cannot listen on {address}:{port ?? options.Port} (health.bindAddress, health.port): {e.Message} Choose a free port, an address of this host, or set health.port to 0 to turn it off.",
                e);
        }

        // Kestrel writes the bound port back into the listener's endpoint.
        var endPoint = listener!.IPEndPoint!;
        LogListening(loggerFactory.CreateLogger("StreamHeal.Health"), $"http://{endPoint}", status is null ? MetricsPath : $"{LivePath}, {ReadyPath}, {MetricsPath}");
        return new HealthEndpoint(app, endPoint);
    }

    private static HealthCheckOptions Probe(string path, Func<PipelineStatus> status) => new()
    {
        Predicate = registration => registration.Tags.Contains(path),
        ResponseWriter = (context, report) =>
        {
            // The snapshot the answer was decided on; a fresh one only if the check itself threw.
            var snapshot = report.Entries.Values
                .Select(static entry => entry.Data.GetValueOrDefault(PipelineHealthCheck.StatusKey))
                .OfType<PipelineStatus>()
                .FirstOrDefault() ?? status();
            context.Response.ContentType = "application/json";
            return JsonSerializer.SerializeAsync(context.Response.Body, snapshot, HostingJsonContext.Default.PipelineStatus, context.RequestAborted);
        },
    };

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(StopGrace);
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
    }

    /// <summary>Hands Kestrel's loggers to the service's factory, so they go through the service's providers and filters.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

        public void Dispose()
        {
            // The factory belongs to the service.
        }
    }

    [LoggerMessage(1500, LogLevel.Information, "Health endpoint listening on {Address} ({Paths})")]
    private static partial void LogListening(ILogger logger, string address, string paths);
}
