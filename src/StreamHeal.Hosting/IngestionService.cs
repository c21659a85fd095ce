using System.Diagnostics.Metrics;
using System.Globalization;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using StreamHeal.Alerting;
using StreamHeal.CompatFilter;
using StreamHeal.Pipeline;
using StreamHeal.SchemaRegistry;
using StreamHeal.SchemaState;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Flow;
using StreamHeal.Telemetry;
using StreamHeal.Watchdog;

namespace StreamHeal.Hosting;

/// <summary>
/// <c>streamheal run</c>: runs the pipeline until the host stops, prints a status line every few seconds and serves
/// the health endpoint. A pipeline failure stops the host with exit code 1.
/// </summary>
internal sealed partial class IngestionService(
    IServiceProvider services,
    PipelineSettings settings,
    IOptions<SinkOptions> sinkOptions,
    IOptions<HealthOptions> health,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    IMeterFactory meterFactory) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("StreamHeal");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting before the pipeline takes the thread.
        await Task.Yield();
        try
        {
            var holds = new TopicHolds();
            await using var sink = await OpenSinkAsync(holds, stoppingToken);
            // IOptions<T> always resolves; only a configured url means a registry is in use.
            var registryOptions = services.GetService<IOptions<SchemaRegistryOptions>>()?.Value is { Url.Length: > 0 } configured ? configured : null;
            var registry = registryOptions is null ? null : services.GetRequiredService<ISchemaRegistryClient>();
            using var registrar = registry is null
                ? null
                : new SchemaRegistrar(registry, services.GetRequiredService<IOptions<SchemaStateOptions>>().Value, loggerFactory.CreateLogger("StreamHeal.SchemaState"), timeProvider);
            using var registrySchemas = registry is null ? null : new SchemaCache(registry, registryOptions!);
            var alertOptions = services.GetRequiredService<IOptions<AlertOptions>>().Value;
            await using var alerts = await AlertService.StartAsync(alertOptions, settings.Kafka.GroupId, timeProvider, loggerFactory);
            var incidents = new PipelineIncidents(alerts.Raise, alertOptions, timeProvider, settings.Kafka.Topics);
            using var metrics = new PipelineMetrics(meterFactory);
            alerts.ObserveDegraded(metrics);
            var quarantine = new QuarantineCounts();
            // Every restart by the watchdog builds a new graph on the same sink, metrics, counts and alerting.
            await using var pipeline = new PipelineSupervisor(() => new IngestionPipeline(
                settings, sink, loggerFactory, timeProvider, metrics: metrics, registrar: registrar, registrySchemas: registrySchemas, holds: holds, observer: incidents,
                quarantineCounts: quarantine));
            await using var endpoint = health.Value.Port > 0
                ? await HealthEndpoint.StartAsync(health.Value, () => pipeline.Status, loggerFactory, cancellationToken: stoppingToken)
                : null;
            using var statusStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var status = PrintStatusAsync(pipeline, sink, statusStop.Token);
            var watching = incidents.RunAsync(
                () => pipeline.Status, quarantine, () => registrar?.Degraded ?? false,
                sink is BigQuerySink bigQuery ? () => bigQuery.Stats.GuaranteeLosses : null, sink.Name, statusStop.Token,
                metrics.DeadLettersByErrorType);
            var watchdogOptions = services.GetRequiredService<IOptions<WatchdogOptions>>().Value;
            using var watermarks = new BrokerWatermarks(settings.Kafka, watchdogOptions.LagInterval);
            var watchdog = new StallWatchdog(
                watchdogOptions, pipeline, metrics, incidents, alerts.Raise, watermarks.QueryAsync, timeProvider, loggerFactory.CreateLogger("StreamHeal.Watchdog"));
            var guarding = watchdog.RunAsync(statusStop.Token);
            var registryWatch = registrar?.WatchAsync(statusStop.Token) ?? Task.CompletedTask;
            try
            {
                await pipeline.RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                incidents.Failed(e.Message);
                throw;
            }
            finally
            {
                await statusStop.CancelAsync();
                await status;
                await watching;
                await guarding;
                await registryWatch;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Every failure ends the service with a clear message and a non-zero exit code.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailed(_logger, e.Message, e);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    private async Task<ISink> OpenSinkAsync(TopicHolds holds, CancellationToken cancellationToken) =>
        sinkOptions.Value.IsBigQuery
            ? await BigQuerySinkFactory.CreateAsync(
                services.GetRequiredService<IOptions<BigQuerySinkOptions>>().Value, settings.Kafka, holds, timeProvider, loggerFactory, cancellationToken)
            : new DuckDbSink(services.GetRequiredService<IOptions<DuckDbSinkOptions>>().Value, timeProvider, loggerFactory.CreateLogger("StreamHeal.Sink.DuckDb"));

    private async Task PrintStatusAsync(PipelineSupervisor pipeline, ISink sink, CancellationToken cancellationToken)
    {
        var seconds = health.Value.StatusIntervalSeconds;
        if (seconds == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds), timeProvider);
        var lastSunk = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var s = pipeline.Status;
                var rate = (s.Sunk + s.DeadLettered - lastSunk) / (double)seconds;
                lastSunk = s.Sunk + s.DeadLettered;
                LogStatus(_logger, string.Create(CultureInfo.InvariantCulture,
                    $"{rate:0}/s sunk={s.Sunk} dlq={s.DeadLettered} lag={s.Lag} partitions={s.AssignedPartitions} paused={s.Paused} in-flight={s.InFlightRecords} rec/{s.InFlightBytes / 1024} KiB retries(sink={s.SinkRetries}, dlq={s.DeadLetterRetries}) offset-resets={s.OffsetResets}{(s.Restarts > 0 ? $" restarts={s.Restarts}" : "")}{(s.Degraded ? " DEGRADED" : "")}{(s.GaveUp is null ? "" : " GAVE-UP")}{(sink.StatusLine is { } line ? " " + line : "")}"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(1100, LogLevel.Information, "status: {Status}")]
    private static partial void LogStatus(ILogger logger, string status);

    [LoggerMessage(1101, LogLevel.Critical, "StreamHeal stopped: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason, Exception exception);
}
