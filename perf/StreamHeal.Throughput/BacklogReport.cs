using System.Runtime.InteropServices;
using System.Text;
using StreamHeal.Pipeline;
using static StreamHeal.Throughput.ThroughputReport;

namespace StreamHeal.Throughput;

/// <summary>
/// Renders the backlog check as one section of <c>throughput.md</c> and puts it into the file: it replaces the section
/// of the same heading, or goes before "Against the targets", so the rest of the report (and its first line) stays as
/// the last full run left it.
/// </summary>
internal static class BacklogReport
{
    private const string Heading = "## Bounded memory: peak RSS against the backlog";
    private const string InsertBefore = "## Against the targets";

    /// <summary>The shipped settings get the plain heading; others a section of their own, so a tuning run does not replace it.</summary>
    /// <param name="kafkaProperties">The <c>--kafka-property</c> settings of the pipeline child, each <c>key=value</c>.</param>
    /// <param name="duckDbMemoryLimitMb">Set for run (c), into DuckDB with this memory limit, which gets a section of its own.</param>
    /// <param name="bigQuery">Set for run (d), into the BigQuery fake, which gets a section of its own.</param>
    public static string HeadingFor(
        PipelineOptions pipeline, IReadOnlyList<string> kafkaProperties, int? duckDbMemoryLimitMb = null, bool bigQuery = false, BigQueryRunSettings? bigQuerySettings = null)
    {
        var heading = bigQuery
            ? Heading + ", into the BigQuery fake" + (bigQuerySettings?.Changed() is { Count: > 0 } tuned ? " (" + string.Join(", ", tuned) + ")" : "")
            : duckDbMemoryLimitMb is { } limit ? Format($"{Heading}, into DuckDB (memoryLimitMb {limit:N0})") : Heading;
        return Changed(pipeline, kafkaProperties) is { Count: > 0 } changed ? heading + ", with " + string.Join(" and ", changed) : heading;
    }

    /// <summary>The settings the backlog check can change, where they differ from the shipped defaults.</summary>
    private static List<string> Changed(PipelineOptions pipeline, IReadOnlyList<string> kafkaProperties)
    {
        var shipped = new PipelineOptions();
        var changed = kafkaProperties.Select(static p => "kafka.properties " + p).ToList();
        if (pipeline.InFlightRecords != shipped.InFlightRecords)
        {
            changed.Add(Format($"pipeline.inFlightRecords {pipeline.InFlightRecords:N0}"));
        }

        if (pipeline.InFlightBytes != shipped.InFlightBytes)
        {
            changed.Add(Format($"pipeline.inFlightBytes {pipeline.InFlightBytes / 1024 / 1024:N0} MiB (prefetch {pipeline.PrefetchKBytes / 1024:N0} MiB)"));
        }

        if (pipeline.StageCapacity != shipped.StageCapacity)
        {
            changed.Add(Format($"pipeline.stageCapacity {pipeline.StageCapacity:N0}"));
        }

        if (pipeline.DeadLetterParallelism != shipped.DeadLetterParallelism)
        {
            changed.Add(Format($"pipeline.deadLetterParallelism {pipeline.DeadLetterParallelism:N0}"));
        }

        return changed;
    }

    public static string Render(
        IReadOnlyList<BacklogRun> runs, int partitions, PipelineOptions pipeline, IReadOnlyList<string> kafkaProperties, int? duckDbMemoryLimitMb,
        string commandLine, string loadBefore, string loadAfter, bool bigQuery = false, BigQueryRunSettings? bigQuerySettings = null)
    {
        var text = new StringBuilder();
        text.AppendLine(HeadingFor(pipeline, kafkaProperties, duckDbMemoryLimitMb, bigQuery, bigQuerySettings));
        text.AppendLine();
        var settings = Changed(pipeline, kafkaProperties) is { Count: > 0 } changed
            ? "the default `PipelineOptions` except " + string.Join(" and ", changed)
            : "the default `PipelineOptions` (as every run above)";
        var described = bigQuery
            ? Format($"Run (d), StreamHeal into the BigQuery fake ({ThroughputHarness.BigQueryDelivery}; the fake in a child process of its own, whose memory is not in these figures; the rows were read back from it after the run to check them)")
            : duckDbMemoryLimitMb is { } limit
                ? Format($"Run (c), StreamHeal into DuckDB (a file in the temporary directory, `sink.duckdb.memoryLimitMb` {limit:N0}; the rows were read back from it after the run to check them)")
                : "Run (b), StreamHeal into the null sink";
        var sinkHolds = bigQuery ? "the BigQuery sink's gRPC channel, encoded requests and appends in flight"
            : duckDbMemoryLimitMb is null ? "the null sink's one bit per offset" : "DuckDB's buffer manager and appender";
        text.AppendLine(Format($"{described} with {settings}, over backlogs of different sizes: for each, a topic of its own ({partitions} partitions, lz4, the same event mix) was produced in full before the pipeline started, and every partition's low watermark was 0 afterwards (nothing dropped by the mock's 5 MiB retention). The pipeline ran in a fresh child process (the harness re-invoked with `{BacklogPipelineServer.Switch}`), with no corpus, no producer and no warm-up in it, so its peak RSS is the pipeline's own: the Kafka client with its prefetch, the stages, the in-flight records, the DLQ producer, and {sinkHolds}. The partition count is the same for every size, so the backlog is the only difference."));
        text.AppendLine();
        text.AppendLine(Format($"- Command: `{commandLine}`"));
        text.AppendLine(Format($"- Run at {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores ({CpuModel()}, shared); {RuntimeInformation.FrameworkDescription}, {ThroughputReport.RuntimeSettings()}; machine load average (1, 5, 15 min) {loadBefore} when the check started, {loadAfter} when it finished"));
        text.AppendLine("- (a) is the raw consumer of the comparison (default prefetch, counting only), run in the harness's process over the same topic right after the pipeline finished, with a group of its own.");
        text.AppendLine("- Peak RSS is the child's VmHWM from the start of its run (after a full collection and a `clear_refs` reset; the runtime's start-up is below it), in MB of 10^6 bytes as the target. The child sampled its resident set, the in-flight records and bytes and the paused flag every 100 ms; \"peak RSS by quarter\" is the largest sample in each quarter of the run by records done: a footprint that grew with what was already consumed would rise from quarter to quarter.");
        text.AppendLine();
        text.AppendLine("| backlog | events/s | (a) on the same topic, events/s | ratio to (a) | CPU s per 1M events | peak RSS (MB) | peak RSS by quarter (MB) | RSS at start (MB) | most in flight | samples with partitions paused | GC gen0 / gen1 / gen2, pause | load average (1 min) at the end | lost | duplicated |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|");
        foreach (var run in runs)
        {
            var r = run.Result;
            var u = r.Usage;
            var s = r.Samples;
            var quarters = string.Join(" / ", s.PeakRssByQuarter.Select(static q => Format($"{Mb(q):N0}")));
            text.AppendLine(Format(
                $"| {r.Events:N0} | {r.EventsPerSecond:N0} | {run.CeilingEventsPerSecond:N0} | {r.EventsPerSecond / run.CeilingEventsPerSecond:0.00} | {r.CpuSecondsPerMillion:N2} | **{Mb(u.PeakRssBytes):N0}** | {quarters} | {Mb(u.StartRssBytes):N0} | {s.MaxInFlightRecords:N0} records, {Mb(s.MaxInFlightBytes):N0} MB | {s.PausedSamples * 100.0 / Math.Max(s.Samples, 1):N0}% of {s.Samples:N0} | {u.Gen0} / {u.Gen1} / {u.Gen2}, {u.GcPause.TotalSeconds:N1} s ({u.GcPause / u.Elapsed * 100:N0}%) | {u.LoadAverage:N1} | {r.Verdict.Missing} | {r.Verdict.Duplicates} |"));
        }

        text.AppendLine();
        foreach (var run in runs)
        {
            var r = run.Result;
            text.AppendLine(Format(
                $"- {r.Events:N0} events: produced in {run.Corpus.Elapsed.TotalSeconds:N1} s ({run.Corpus.ValueBytes / 1e6:N0} MB of values), then consumed in {r.Usage.Elapsed.TotalSeconds:N1} s; load average {run.LoadBefore} before the pipeline started, {run.LoadAfter} after; verdict {(r.Verdict.Ok ? "ok" : "FAILED")}: {r.Verdict.Sunk:N0} in the sink + {r.Verdict.DeadLettered:N0} in the DLQ of {r.Verdict.Produced:N0}{(run.Appends is { } appends ? "; " + appends : "")}."));
        }

        if (runs.Count >= 2)
        {
            var smallest = runs.MinBy(static r => r.Result.Events)!.Result;
            var largest = runs.MaxBy(static r => r.Result.Events)!.Result;
            var growth = Mb(largest.Usage.PeakRssBytes) - Mb(smallest.Usage.PeakRssBytes);
            var over = runs.Where(static r => Mb(r.Result.Usage.PeakRssBytes) > RssTargetMegabytes)
                .Select(static r => Format($"{r.Result.Events:N0} by {Mb(r.Result.Usage.PeakRssBytes) - RssTargetMegabytes:N0} MB")).ToList();
            text.AppendLine(Format(
                $"- {largest.Events / (double)smallest.Events:0.#}× the backlog changed peak RSS by {growth:+#,0;-#,0;0} MB ({Mb(smallest.Usage.PeakRssBytes):N0} → {Mb(largest.Usage.PeakRssBytes):N0} MB). Target ≤ {RssTargetMegabytes:N0} MB: {(over.Count == 0 ? "met for every backlog" : "missed, " + string.Join(", ", over))}."));
        }

        text.AppendLine();
        return text.ToString();
    }

    /// <summary>Replaces the section under <paramref name="heading"/> in <paramref name="path"/>, or inserts it; creates the file when missing.</summary>
    public static async Task WriteIntoAsync(string path, string heading, string section, CancellationToken cancellationToken)
    {
        var existing = File.Exists(path) ? await File.ReadAllTextAsync(path, cancellationToken) : "";
        await File.WriteAllTextAsync(path, Merge(existing, heading, section), cancellationToken);
    }

    private static string Merge(string existing, string heading, string section)
    {
        var start = existing.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        if (start >= 0)
        {
            var end = existing.IndexOf("\n## ", start + heading.Length + 1, StringComparison.Ordinal);
            return existing[..(start + 1)] + section + (end < 0 ? "" : existing[(end + 1)..]);
        }

        var before = existing.IndexOf("\n" + InsertBefore, StringComparison.Ordinal);
        return before >= 0
            ? existing[..(before + 1)] + section + existing[(before + 1)..]
            : existing + (existing.Length == 0 || existing.EndsWith("\n\n", StringComparison.Ordinal) ? "" : "\n") + section;
    }
}
