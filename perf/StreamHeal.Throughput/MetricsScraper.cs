using System.Globalization;
using StreamHeal.Hosting;

namespace StreamHeal.Throughput;

/// <summary>
/// Fetches a child's <c>/metrics</c> every second from the harness process, as a Prometheus with a 1 s interval
/// would from outside the measured process: the child pays for collecting, rendering and serving the scrape, not
/// for the client.
/// </summary>
internal sealed class MetricsScraper : IAsyncDisposable
{
    /// <summary>The line the child prints once its listener is up, followed by the port.</summary>
    public const string PortLine = "metrics-port ";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<(int Scrapes, long Bytes, int Failures)> _loop;

    private MetricsScraper(int port)
    {
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        _loop = ScrapeAsync(_stop.Token);
    }

    /// <summary>Starts scraping the child that printed <paramref name="line"/> (a <see cref="PortLine"/>).</summary>
    public static MetricsScraper Start(string line) =>
        new(int.Parse(line.AsSpan(PortLine.Length), NumberStyles.None, CultureInfo.InvariantCulture));

    /// <summary>Stops scraping; returns a line saying how many scrapes of how many bytes were made.</summary>
    public async Task<string> StopAsync()
    {
        await _stop.CancelAsync();
        var (scrapes, bytes, failures) = await _loop;
        return string.Create(CultureInfo.InvariantCulture, $"  scraped /metrics {scrapes} times, {bytes / Math.Max(scrapes, 1)} bytes each, {failures} failed");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ContinueWith(static _ => { }, TaskScheduler.Default);
        _http.Dispose();
        _stop.Dispose();
    }

    private async Task<(int, long, int)> ScrapeAsync(CancellationToken cancellationToken)
    {
        var scrapes = 0;
        var failures = 0;
        var bytes = 0L;
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    bytes += (await _http.GetByteArrayAsync(new Uri(HealthEndpoint.MetricsPath, UriKind.Relative), cancellationToken)).Length;
                    scrapes++;
                }
                catch (HttpRequestException)
                {
                    // The child stops serving when its run ends, a moment before the harness reads its result.
                    failures++;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return (scrapes, bytes, failures);
    }
}
