using System.Diagnostics;
using System.Globalization;

namespace StreamHeal.Throughput;

/// <summary>What one measured run cost this process.</summary>
/// <param name="PeakRssBytes">The kernel's high-water mark (VmHWM) since the run started, or the sampled maximum when VmHWM cannot be reset.</param>
/// <param name="SampledPeakRssBytes">The largest working set seen by sampling every 50 ms.</param>
/// <param name="StartRssBytes">Resident set when the run started (after a full collection): what earlier work left behind.</param>
/// <param name="LoadAverage">The machine's one-minute load average at the end of the run: how much the cores were shared.</param>
/// <param name="LongestGcPause">The longest single GC pause (execution engine suspended until restarted).</param>
/// <param name="HeapAfterGcByQuarter">Per quarter of the run, the largest managed heap size right after a collection (sampled every 50 ms): a heap that grew during the run rises from quarter to quarter.</param>
/// <param name="Samples">Every 50 ms: resident set, GC pause so far and records done, for the report's charts.</param>
internal sealed record ResourceUsage(
    TimeSpan Elapsed,
    TimeSpan Cpu,
    long PeakRssBytes,
    long SampledPeakRssBytes,
    long StartRssBytes,
    int Gen0,
    int Gen1,
    int Gen2,
    TimeSpan GcPause,
    double LoadAverage,
    TimeSpan LongestGcPause,
    IReadOnlyList<long> HeapAfterGcByQuarter,
    IReadOnlyList<UsageSample> Samples);

/// <summary>One sample of a run, <see cref="At"/> from its start; <see cref="GcPause"/> and <see cref="Done"/> count from its start too.</summary>
internal readonly record struct UsageSample(TimeSpan At, long RssBytes, TimeSpan GcPause, long Done);

/// <summary>
/// Measures a run of this process by deltas: CPU time, GC counts and pause time, wall clock, and peak RSS. Several runs
/// share the process, so each starts with a full compacting collection (aggressive: the GC decommits what it can, and
/// the C heap is trimmed) and resets the kernel's peak-RSS mark (<c>/proc/self/clear_refs</c> with 5); otherwise every
/// run after the largest one would report its peak.
/// </summary>
internal sealed class ResourceMeter : IAsyncDisposable
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(50);

    private readonly Stopwatch _clock;
    private readonly TimeSpan _cpu;
    private readonly int _gen0;
    private readonly int _gen1;
    private readonly int _gen2;
    private readonly TimeSpan _pause;
    private readonly long _startRss;
    private readonly bool _hwmReset;
    private readonly CancellationTokenSource _stopSampling = new();
    private readonly Task _sampler;
    private readonly GcPauseListener _pauses = new();
    private readonly List<(TimeSpan At, long HeapBytes)> _heapSamples = [];
    private readonly List<UsageSample> _samples = [];
    private readonly Func<long>? _done;
    private long _sampledPeak;

    private ResourceMeter(Func<long>? done)
    {
        _done = done;
        // Aggressive, and native heaps trimmed: memory an earlier run left committed (the GC's, DuckDB's, the Kafka
        // client's freed buffers) goes back to the kernel, so this run's peak is not raised by what it did not use.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
        _hwmReset = TryResetPeakRss();
        _startRss = Environment.WorkingSet;
        _sampledPeak = _startRss;
        _gen0 = GC.CollectionCount(0);
        _gen1 = GC.CollectionCount(1);
        _gen2 = GC.CollectionCount(2);
        _pause = GC.GetTotalPauseDuration();
        _cpu = Process.GetCurrentProcess().TotalProcessorTime;
        _clock = Stopwatch.StartNew();
        // First and last samples at the run's edges, so even a run shorter than the interval has a line in the charts.
        _samples.Add(new UsageSample(TimeSpan.Zero, _startRss, TimeSpan.Zero, _done?.Invoke() ?? 0));
        _sampler = SampleAsync(_stopSampling.Token);
    }

    /// <param name="done">Records done so far in the run, read at every sample for the events/s chart; null when the run has no such count.</param>
    public static ResourceMeter Start(Func<long>? done = null) => new(done);

    public TimeSpan Elapsed => _clock.Elapsed;

    public async Task<ResourceUsage> StopAsync()
    {
        var elapsed = _clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpu;
        var gen0 = GC.CollectionCount(0) - _gen0;
        var gen1 = GC.CollectionCount(1) - _gen1;
        var gen2 = GC.CollectionCount(2) - _gen2;
        var pause = GC.GetTotalPauseDuration() - _pause;
        await _stopSampling.CancelAsync();
        await _sampler;
        var sampled = Math.Max(Interlocked.Read(ref _sampledPeak), Environment.WorkingSet);
        _samples.Add(new UsageSample(elapsed, Environment.WorkingSet, pause, _done?.Invoke() ?? 0));
        var hwm = _hwmReset ? ReadStatusKiloBytes("VmHWM:") * 1024 : 0;
        return new ResourceUsage(
            elapsed, cpu, Math.Max(hwm, sampled), sampled, _startRss, gen0, gen1, gen2, pause, ReadLoadAverage(), _pauses.Longest, HeapByQuarter(elapsed), _samples);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopSampling.CancelAsync();
        await _sampler;
        _stopSampling.Dispose();
        _pauses.Dispose();
    }

    private long[] HeapByQuarter(TimeSpan elapsed)
    {
        var quarters = new long[4];
        foreach (var (at, heap) in _heapSamples)
        {
            var quarter = Math.Clamp((int)(4 * at.Ticks / Math.Max(elapsed.Ticks, 1)), 0, 3);
            quarters[quarter] = Math.Max(quarters[quarter], heap);
        }

        return quarters;
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var rss = Environment.WorkingSet;
                if (rss > Interlocked.Read(ref _sampledPeak))
                {
                    Interlocked.Exchange(ref _sampledPeak, rss);
                }

                // Only this loop writes the list, and StopAsync reads it after the loop ended.
                var at = _clock.Elapsed;
                _heapSamples.Add((at, GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes));
                _samples.Add(new UsageSample(at, rss, GC.GetTotalPauseDuration() - _pause, _done?.Invoke() ?? 0));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static bool TryResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return ReadStatusKiloBytes("VmHWM:") > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages as <c>uptime</c> prints them, or "unknown".</summary>
    public static string LoadAverages()
    {
        try
        {
            return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ')[..3]);
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static double ReadLoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static long ReadStatusKiloBytes(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var value = line.AsSpan(key.Length).Trim();
                var space = value.IndexOf(' ');
                return long.Parse(space < 0 ? value : value[..space], NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
