using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using StreamHeal.Telemetry;

namespace StreamHeal.Hosting;

/// <summary>
/// The OpenTelemetry meter provider behind <c>/metrics</c>: the <c>StreamHeal</c> meter (<see cref="PipelineMetrics"/>)
/// and the runtime's <c>System.Runtime</c> meter (CPU, working set, GC, heap, thread pool), exported in the
/// Prometheus text format. Names follow the exporter's rules: <c>.</c> becomes <c>_</c>, the unit is appended
/// (<c>_seconds</c>, <c>_bytes</c>) and counters end in <c>_total</c>.
/// </summary>
internal static class MetricsExport
{
    // Runtime gauges whose Prometheus names end in "_count" without being histograms: `promtool check metrics` flags
    // them, and no panel or alert reads them.
    private static readonly string[] Dropped = ["dotnet.assembly.count", "dotnet.process.cpu.count", "dotnet.thread_pool.thread.count", "dotnet.timer.count"];

    /// <summary>The scrape: the meters for the health listener's <c>/metrics</c>.</summary>
    public static void Add(IServiceCollection services) =>
        services.AddOpenTelemetry().WithMetrics(static metrics => AddMeters(metrics).AddPrometheusExporter());

    /// <summary>The push: the same meters to an OTLP collector every <see cref="TelemetryOptions.OtlpIntervalSeconds"/>.</summary>
    public static void AddOtlp(IServiceCollection services, TelemetryOptions options) =>
        services.AddOpenTelemetry().WithMetrics(metrics => AddMeters(metrics).AddOtlpExporter((exporter, reader) =>
        {
            exporter.Endpoint = new Uri(options.OtlpEndpoint!);
            exporter.Protocol = options.OtlpProtocol == TelemetryOptions.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.OtlpIntervalSeconds * 1_000;
        }));

    private static MeterProviderBuilder AddMeters(MeterProviderBuilder metrics)
    {
        metrics.AddMeter(PipelineMetrics.MeterName).AddRuntimeInstrumentation();
        foreach (var name in Dropped)
        {
            metrics.AddView(name, MetricStreamConfiguration.Drop);
        }

        return metrics;
    }
}
