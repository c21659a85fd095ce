using System.Globalization;
using StreamHeal.Dev.Demo;

namespace StreamHeal.Throughput;

/// <summary>
/// What the pipeline held while it worked through a backlog, sampled every 100 ms: the largest resident set in each
/// quarter of the run (by records done), so a footprint that grows with the backlog shows as a rising row, and the
/// largest in-flight figures the poll loop's budget allowed.
/// </summary>
internal sealed class BacklogSamples(long expected)
{
    public const int Quarters = 4;

    public long[] PeakRssByQuarter { get; } = new long[Quarters];

    public long MaxInFlightRecords { get; private set; }

    public long MaxInFlightBytes { get; private set; }

    public long Samples { get; private set; }

    public long PausedSamples { get; private set; }

    public void Add(long done, long rss, long inFlightRecords, long inFlightBytes, bool paused)
    {
        var quarter = (int)Math.Clamp(done * Quarters / Math.Max(expected, 1), 0, Quarters - 1);
        PeakRssByQuarter[quarter] = Math.Max(PeakRssByQuarter[quarter], rss);
        MaxInFlightRecords = Math.Max(MaxInFlightRecords, inFlightRecords);
        MaxInFlightBytes = Math.Max(MaxInFlightBytes, inFlightBytes);
        Samples++;
        PausedSamples += paused ? 1 : 0;
    }

    public void Restore(long[] peaks, long records, long bytes, long samples, long paused)
    {
        peaks.CopyTo(PeakRssByQuarter, 0);
        MaxInFlightRecords = records;
        MaxInFlightBytes = bytes;
        Samples = samples;
        PausedSamples = paused;
    }
}

/// <summary>One backlog run of the pipeline child, as it reports it on one line and as the parent reads it back.</summary>
internal sealed record BacklogResult(long Events, ResourceUsage Usage, BacklogSamples Samples, IngestionVerdict Verdict)
{
    private const string Prefix = "result ";

    public double EventsPerSecond => Events / Math.Max(Usage.Elapsed.TotalSeconds, 0.001);

    public double CpuSecondsPerMillion => Usage.Cpu.TotalSeconds / (Events / 1e6);

    public string Format() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Prefix}events={Events} elapsed={Usage.Elapsed.TotalSeconds:R} cpu={Usage.Cpu.TotalSeconds:R} peak={Usage.PeakRssBytes} sampled={Usage.SampledPeakRssBytes} start={Usage.StartRssBytes} "
        + $"gen0={Usage.Gen0} gen1={Usage.Gen1} gen2={Usage.Gen2} pause={Usage.GcPause.TotalSeconds:R} load={Usage.LoadAverage:R} longest={Usage.LongestGcPause.TotalSeconds:R} heap={string.Join(',', Usage.HeapAfterGcByQuarter)} "
        + $"quarters={string.Join(',', Samples.PeakRssByQuarter)} records={Samples.MaxInFlightRecords} bytes={Samples.MaxInFlightBytes} samples={Samples.Samples} paused={Samples.PausedSamples} "
        + $"produced={Verdict.Produced} sunk={Verdict.Sunk} dead={Verdict.DeadLettered} duplicates={Verdict.Duplicates} missing={Verdict.Missing}");

    public static bool IsResult(string line) => line.StartsWith(Prefix, StringComparison.Ordinal);

    public static BacklogResult Parse(string line)
    {
        var fields = line[Prefix.Length..].Split(' ').Select(static f => f.Split('=', 2)).ToDictionary(static f => f[0], static f => f[1]);
        long L(string key) => long.Parse(fields[key], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        double D(string key) => double.Parse(fields[key], NumberStyles.Float, CultureInfo.InvariantCulture);
        var usage = new ResourceUsage(
            TimeSpan.FromSeconds(D("elapsed")), TimeSpan.FromSeconds(D("cpu")), L("peak"), L("sampled"), L("start"),
            (int)L("gen0"), (int)L("gen1"), (int)L("gen2"), TimeSpan.FromSeconds(D("pause")), D("load"),
            TimeSpan.FromSeconds(D("longest")), [.. fields["heap"].Split(',').Select(static h => long.Parse(h, NumberStyles.None, CultureInfo.InvariantCulture))], []);
        var samples = new BacklogSamples(L("events"));
        samples.Restore(
            [.. fields["quarters"].Split(',').Select(static q => long.Parse(q, NumberStyles.None, CultureInfo.InvariantCulture))],
            L("records"), L("bytes"), L("samples"), L("paused"));
        var verdict = new IngestionVerdict(L("produced"), L("sunk"), L("dead"), L("duplicates"), L("missing"));
        return new BacklogResult(L("events"), usage, samples, verdict);
    }
}
