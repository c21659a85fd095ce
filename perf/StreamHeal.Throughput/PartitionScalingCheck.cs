using System.Globalization;
using System.Text;
using StreamHeal.Pipeline;

namespace StreamHeal.Throughput;

/// <summary>
/// Whether the pipeline's rate holds as partitions grow: for each partition count, a topic of its own with the same
/// number of events, then run (b) over it in a fresh child process and the raw consumer (a) right after
/// (<see cref="BacklogCheck"/>, one size per count). The corpus must fit the mock's 5 MiB per partition at the smallest
/// count, which bounds its size; the report compares every count's rate with the one at 64 partitions.
/// </summary>
internal sealed class PartitionScalingCheck(long events, IReadOnlyList<int> counts, TextWriter progress)
{
    /// <summary>The count the others are compared with (the harness's default).</summary>
    public const int Reference = 64;

    public async Task<(string Report, bool Ok)> RunAsync(string commandLine, CancellationToken cancellationToken)
    {
        var loadBefore = ResourceMeter.LoadAverages();
        var runs = new List<(int Partitions, BacklogRun Run)>();
        foreach (var count in counts)
        {
            progress.WriteLine($"--- {count} partitions");
            var run = (await new BacklogCheck([events], count, new PipelineOptions(), progress).RunAsync(cancellationToken)).Single();
            runs.Add((count, run));
        }

        return (Render(runs, commandLine, loadBefore, ResourceMeter.LoadAverages()), runs.TrueForAll(static r => r.Run.Result.Verdict.Ok));
    }

    private string Render(List<(int Partitions, BacklogRun Run)> runs, string commandLine, string loadBefore, string loadAfter)
    {
        var reference = runs.Find(static r => r.Partitions == Reference).Run?.Result.EventsPerSecond;
        var report = new StringBuilder();
        report.AppendLine(ThroughputReport.Format($"# Partition scaling: run (b) over {events:N0} events on {string.Join(", ", runs.Select(static r => r.Partitions))} partitions"));
        report.AppendLine();
        report.AppendLine(ThroughputReport.Format($"`{commandLine}`; for each partition count a topic of its own (lz4, the demo's event mix), produced in full before (b), StreamHeal into a null sink with the shipped defaults, ran over it in a fresh child process (no warm-up: JIT is in every run alike); then (a), the raw consumer, over the same topic. A fresh mock cluster (3 brokers) per count. {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter}."));
        report.AppendLine();
        report.AppendLine("| partitions | (b) events/s | vs 64 partitions | (a) events/s | b/a | CPU s per 1M events | peak RSS (MB) | lost | duplicated |");
        report.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (partitions, run) in runs)
        {
            var r = run.Result;
            var versus = reference is { } at64 ? (r.EventsPerSecond / at64).ToString("0.00", CultureInfo.InvariantCulture) : "–";
            report.AppendLine(ThroughputReport.Format(
                $"| {partitions:N0} | {r.EventsPerSecond:N0} | {versus} | {run.CeilingEventsPerSecond:N0} | {r.EventsPerSecond / run.CeilingEventsPerSecond:0.00} | {r.CpuSecondsPerMillion:N2} | {r.Usage.PeakRssBytes / 1e6:N0} | {r.Verdict.Missing} | {r.Verdict.Duplicates} |"));
        }

        report.AppendLine();
        var largest = runs.MaxBy(static r => r.Partitions);
        if (reference is { } rate && largest.Partitions > Reference)
        {
            var ratio = largest.Run.Result.EventsPerSecond / rate;
            report.AppendLine(ThroughputReport.Format(
                $"Target: the {largest.Partitions:N0}-partition rate within 25 % of the 64-partition rate. Measured: {ratio:0.00} of it ({(ratio >= 0.75 ? "met" : $"missed by {0.75 - ratio:0.00}")})."));
        }

        return report.ToString();
    }
}
