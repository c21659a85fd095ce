using System.Globalization;
using System.Text;
using StreamHeal.Pipeline;
using StreamHeal.Sink.DuckDb;

namespace StreamHeal.Throughput;

/// <summary>
/// Whether the pipeline's rate holds as partitions grow: for each partition count, a topic of its own with the same
/// number of events, then run (b) over it in a fresh child process and the raw consumer (a) right after, and again with
/// run (c), into DuckDB (<see cref="BacklogCheck"/>, one size per count, a topic and a mock cluster of its own per run).
/// The corpus must fit the mock's 5 MiB per partition at the smallest count, which bounds its size; the report compares
/// every count's rate with the one at 64 partitions.
/// </summary>
internal sealed class PartitionScalingCheck(long events, IReadOnlyList<int> counts, TextWriter progress)
{
    /// <summary>The count the others are compared with (the harness's default).</summary>
    public const int Reference = 64;

    public async Task<(string Report, bool Ok)> RunAsync(string commandLine, CancellationToken cancellationToken)
    {
        var loadBefore = ResourceMeter.LoadAverages();
        var runs = new List<ScalingRun>();
        foreach (var count in counts)
        {
            progress.WriteLine($"--- {count} partitions, (b)");
            var nullSink = (await new BacklogCheck([events], count, new PipelineOptions(), progress).RunAsync(cancellationToken)).Single();
            progress.WriteLine($"--- {count} partitions, (c)");
            var duckDb = (await new BacklogCheck([events], count, new PipelineOptions(), progress) { DuckDbMemoryLimitMb = DuckDbSinkOptions.DefaultMemoryLimitMb }
                .RunAsync(cancellationToken)).Single();
            runs.Add(new ScalingRun(count, nullSink, duckDb));
        }

        var ok = runs.TrueForAll(static r => r.NullSink.Result.Verdict.Ok && r.DuckDb.Result.Verdict.Ok);
        return (Render(runs, commandLine, loadBefore, ResourceMeter.LoadAverages()), ok);
    }

    private sealed record ScalingRun(int Partitions, BacklogRun NullSink, BacklogRun DuckDb);

    private string Render(List<ScalingRun> runs, string commandLine, string loadBefore, string loadAfter)
    {
        var reference = runs.Find(static r => r.Partitions == Reference);
        var report = new StringBuilder();
        report.AppendLine(ThroughputReport.Format($"# Partition scaling: runs (b) and (c) over {events:N0} events on {string.Join(", ", runs.Select(static r => r.Partitions))} partitions"));
        report.AppendLine();
        report.AppendLine(ThroughputReport.Format($"`{commandLine}`; for each partition count and run a topic of its own (lz4, the demo's event mix), produced in full before the run; StreamHeal with the shipped defaults into a null sink (b) or into a fresh DuckDB file (c, `sink.duckdb.memoryLimitMb` {DuckDbSinkOptions.DefaultMemoryLimitMb}) ran over it in a fresh child process (no warm-up: JIT is in every run alike); then (a), the raw consumer, over the same topic. A fresh mock cluster (3 brokers) per run. {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter}."));
        report.AppendLine();
        report.AppendLine("| partitions | run | events/s | vs 64 partitions | (a) events/s | ratio to (a) | CPU s per 1M events | peak RSS (MB) | lost | duplicated |");
        report.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            Row(report, run.Partitions, "(b)", run.NullSink, reference?.NullSink);
            Row(report, run.Partitions, "(c)", run.DuckDb, reference?.DuckDb);
        }

        report.AppendLine();
        var largest = runs.MaxBy(static r => r.Partitions);
        if (reference is not null && largest is not null && largest.Partitions > Reference)
        {
            Target(report, "(b)", largest.Partitions, largest.NullSink, reference.NullSink);
            Target(report, "(c)", largest.Partitions, largest.DuckDb, reference.DuckDb);
        }

        return report.ToString();
    }

    private static void Row(StringBuilder report, int partitions, string name, BacklogRun run, BacklogRun? reference)
    {
        var r = run.Result;
        var versus = reference is null ? "–" : (r.EventsPerSecond / reference.Result.EventsPerSecond).ToString("0.00", CultureInfo.InvariantCulture);
        report.AppendLine(ThroughputReport.Format(
            $"| {partitions:N0} | {name} | {r.EventsPerSecond:N0} | {versus} | {run.CeilingEventsPerSecond:N0} | {r.EventsPerSecond / run.CeilingEventsPerSecond:0.00} | {r.CpuSecondsPerMillion:N2} | {r.Usage.PeakRssBytes / 1e6:N0} | {r.Verdict.Missing} | {r.Verdict.Duplicates} |"));
    }

    private static void Target(StringBuilder report, string name, int partitions, BacklogRun largest, BacklogRun reference)
    {
        var ratio = largest.Result.EventsPerSecond / reference.Result.EventsPerSecond;
        report.AppendLine(ThroughputReport.Format(
            $"Target, {name}: the {partitions:N0}-partition rate within 25 % of the 64-partition rate. Measured: {ratio:0.000} of it ({(ratio >= 0.75 ? "met" : $"missed by {0.75 - ratio:0.000}")})."));
        report.AppendLine();
    }
}
