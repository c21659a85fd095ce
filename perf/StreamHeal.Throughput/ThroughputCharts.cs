namespace StreamHeal.Throughput;

/// <summary>
/// The report's pictures, drawn from each run's 50 ms samples: events/s, resident set and GC pause over time. The
/// files sit beside the report (<c>throughput.md</c> → <c>throughput-events.svg</c>, …), so it links them by name.
/// </summary>
internal static class ThroughputCharts
{
    /// <summary>Rates and pause shares are taken over a trailing window of this, or a tenth of a shorter run: 50 ms samples alone are mostly noise.</summary>
    private static readonly TimeSpan LongestWindow = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ShortestWindow = TimeSpan.FromMilliseconds(100);

    public static IReadOnlyList<(string Suffix, string Alt)> Files { get; } =
    [
        ("events", "events/s over time, per run"),
        ("rss", "resident set over time, per run"),
        ("gc", "GC pause share over time, per run"),
    ];

    /// <summary>The chart file <paramref name="suffix"/> for the report at <paramref name="reportPath"/>.</summary>
    public static string PathFor(string reportPath, string suffix) =>
        Path.Combine(Path.GetDirectoryName(reportPath) ?? "", Path.GetFileNameWithoutExtension(reportPath) + "-" + suffix + ".svg");

    public static async Task WriteAsync(string reportPath, HarnessResult result, CancellationToken cancellationToken)
    {
        RunResult[] runs = [result.Ceiling, result.NullSink, result.DuckDb, result.BigQuery];
        var events = SvgLineChart.Render(
            "Events done per second (trailing window of up to 1 s)", "seconds since the run started", "events/s",
            [.. runs.Select(static r => new ChartSeries(Label(r), Rate(r.Usage.Samples)))]);
        var rss = SvgLineChart.Render(
            "Resident set (harness process: client, pipeline, sink)", "seconds since the run started", "MB",
            [.. runs.Select(static r => new ChartSeries(Label(r), [.. r.Usage.Samples.Select(static s => (s.At.TotalSeconds, s.RssBytes / 1e6))]))]);
        var gc = SvgLineChart.Render(
            "GC pause, share of wall time (trailing window of up to 1 s)", "seconds since the run started", "% of wall time paused",
            [.. runs.Select(static r => new ChartSeries(Label(r), PauseShare(r.Usage.Samples)))]);
        await File.WriteAllTextAsync(PathFor(reportPath, "events"), events, cancellationToken);
        await File.WriteAllTextAsync(PathFor(reportPath, "rss"), rss, cancellationToken);
        await File.WriteAllTextAsync(PathFor(reportPath, "gc"), gc, cancellationToken);
        if (result.SustainedRuns.Any())
        {
            await File.WriteAllTextAsync(PathFor(reportPath, LatencySuffix), Latency(result), cancellationToken);
        }
    }

    /// <summary>The latency chart's file suffix; written only when the sustained runs ran.</summary>
    public const string LatencySuffix = "latency";

    /// <summary>p50 and p99 end-to-end latency against the rate the paced producer achieved, one line per sink.</summary>
    private static string Latency(HarnessResult result)
    {
        var series = new List<ChartSeries>();
        foreach (var sink in result.SustainedRuns.GroupBy(static r => r.Into))
        {
            var runs = sink.OrderBy(static r => r.Produced.EventsPerSecond).ToArray();
            series.Add(new ChartSeries($"{sink.Key} p50", [.. runs.Select(static r => (r.Produced.EventsPerSecond, r.Latency.P50 / 1000))]));
            series.Add(new ChartSeries($"{sink.Key} p99", [.. runs.Select(static r => (r.Produced.EventsPerSecond, r.Latency.P99 / 1000))]));
        }

        return SvgLineChart.Render("End-to-end latency against offered load (sustained runs)", "events/s offered (achieved by the paced producer)", "seconds", series);
    }

    private static string Label(RunResult run) => run.Key switch
    {
        "a" => "(a) raw consumer",
        "b" => "(b) null sink",
        "c" => "(c) DuckDB",
        "d" => "(d) BigQuery fake",
        _ => run.Key,
    };

    /// <summary>Done per second over the trailing window, at every sample at least a window in.</summary>
    public static IReadOnlyList<(double X, double Y)> Rate(IReadOnlyList<UsageSample> samples) =>
        Windowed(samples, static (from, to) => (to.Done - from.Done) / (to.At - from.At).TotalSeconds);

    /// <summary>Percent of the trailing window the process spent paused for GC.</summary>
    public static IReadOnlyList<(double X, double Y)> PauseShare(IReadOnlyList<UsageSample> samples) =>
        Windowed(samples, static (from, to) => 100 * (to.GcPause - from.GcPause) / (to.At - from.At));

    private static List<(double X, double Y)> Windowed(IReadOnlyList<UsageSample> samples, Func<UsageSample, UsageSample, double> value)
    {
        var points = new List<(double, double)>(samples.Count);
        if (samples.Count < 2)
        {
            return points;
        }

        var window = TimeSpan.FromTicks(Math.Clamp(samples[^1].At.Ticks / 10, ShortestWindow.Ticks, LongestWindow.Ticks));
        var start = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            // The latest start that still leaves a whole window.
            while (start + 1 < i && samples[i].At - samples[start + 1].At >= window)
            {
                start++;
            }

            if (samples[i].At - samples[start].At >= window)
            {
                points.Add((samples[i].At.TotalSeconds, Math.Max(0, value(samples[start], samples[i]))));
            }
        }

        return points;
    }
}
