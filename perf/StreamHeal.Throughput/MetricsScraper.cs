using System.Globalization;
using Microsoft.Extensions.Logging;
using StreamHeal.Hosting;
using StreamHeal.Pipeline;

namespace StreamHeal.Throughput;

/// <summary>
/// The health listener with <c>/metrics</c>, as <c>streamheal run</c> serves it, scraped every second like a Prometheus
/// with a 1 s interval would, inside the measured process.
/// </summary>
internal sealed class MetricsScraper : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly HealthEndpoint _endpoint;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<(int Scrapes, long Bytes)> _loop;

    private MetricsScraper(HealthEndpoint endpoint)
    {
        _endpoint = endpoint;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{endpoint.EndPoint.Port}") };
        _loop = ScrapeAsync(_stop.Token);
    }

    public static async Task<MetricsScraper> StartAsync(Func<PipelineStatus> status, ILoggerFactory loggerFactory) =>
        new(await HealthEndpoint.StartAsync(new HealthOptions(), status, loggerFactory, port: 0));

    /// <summary>Stops scraping; returns a line saying how many scrapes of how many bytes were made.</summary>
    public async Task<string> StopAsync()
    {
        await _stop.CancelAsync();
        var (scrapes, bytes) = await _loop;
        return string.Create(CultureInfo.InvariantCulture, $"scraped /metrics {scrapes} times, {bytes / Math.Max(scrapes, 1)} bytes each");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ContinueWith(static _ => { }, TaskScheduler.Default);
        _http.Dispose();
        _stop.Dispose();
        await _endpoint.DisposeAsync();
    }

    private async Task<(int, long)> ScrapeAsync(CancellationToken cancellationToken)
    {
        var scrapes = 0;
        var bytes = 0L;
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                bytes += (await _http.GetByteArrayAsync(new Uri(HealthEndpoint.MetricsPath, UriKind.Relative), cancellationToken)).Length;
                scrapes++;
            }
        }
        catch (OperationCanceledException)
        {
        }

        return (scrapes, bytes);
    }
}
