using System.Globalization;
using System.Text;
using StreamHeal.Pipeline;

namespace StreamHeal.Throughput;

/// <summary>
/// What a 1 s Prometheus scrape costs run (b): one pre-produced topic, then (b) over all of it in a fresh child process
/// again and again with a new consumer group each time, without and with <c>/metrics</c> served by the child and scraped
/// every second by this process, in the order ABBA ABBA ... so that a drift of the machine (other processes, the
/// mock's caches) weighs on both sides alike; the report gives every run and the ratio of the medians.
/// </summary>
internal sealed class ScrapeCostCheck(long events, int partitions, int pairs, TextWriter progress)
{
    private const string Topic = "scrape-check";

    public async Task<string> RunAsync(string commandLine, CancellationToken cancellationToken)
    {
        await using var kafka = await DevKafkaProcess.StartAsync([(Topic, partitions), (Topic + ".dlq", partitions)], cancellationToken);
        var bootstrap = kafka.BootstrapServers;
        var corpus = await CorpusProducer.ProduceAsync(bootstrap, Topic, partitions, events, null, cancellationToken);
        Say($"produced {corpus.Count:N0} events to {Topic} in {corpus.Elapsed.TotalSeconds:N1} s");
        var watermarks = await ThroughputHarness.CheckRetainedAsync(bootstrap, Topic, corpus.Count, Say, cancellationToken);
        var highs = string.Join(',', watermarks.Partitions.Select(static w => w.High.ToString(CultureInfo.InvariantCulture)));

        var loadBefore = ResourceMeter.LoadAverages();
        var runs = new List<(bool Scraped, BacklogResult Result)>();
        var scrapeCpu = new List<double>();
        for (var i = 0; i < pairs * 2; i++)
        {
            var scrape = (i % 4) is 1 or 2;
            Say($"(b) run {i + 1} of {pairs * 2}, {(scrape ? "scraped every second" : "not scraped")} ...");
            var result = await BacklogCheck.RunChildAsync(
                bootstrap, Topic, "scrape-" + i.ToString(CultureInfo.InvariantCulture), highs, new PipelineOptions(), scrape,
                line =>
                {
                    if (line.StartsWith(BacklogPipelineServer.ScrapeCpuLine, StringComparison.Ordinal))
                    {
                        scrapeCpu.Add(double.Parse(line.AsSpan(BacklogPipelineServer.ScrapeCpuLine.Length), NumberStyles.Float, CultureInfo.InvariantCulture));
                    }

                    Say(line);
                },
                cancellationToken);
            Say(ThroughputReport.Format($"  {result.EventsPerSecond:N0} events/s, {result.CpuSecondsPerMillion:N2} CPU s per million, lost {result.Verdict.Missing}"));
            runs.Add((scrape, result));
        }

        return Render(runs, scrapeCpu, commandLine, loadBefore, ResourceMeter.LoadAverages());
    }

    private string Render(List<(bool Scraped, BacklogResult Result)> runs, List<double> scrapeCpu, string commandLine, string loadBefore, string loadAfter)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        var plain = Median(runs.Where(static r => !r.Scraped).Select(static r => r.Result.EventsPerSecond));
        var scraped = Median(runs.Where(static r => r.Scraped).Select(static r => r.Result.EventsPerSecond));
        var report = new StringBuilder();
        report.AppendLine(ThroughputReport.Format($"# Scrape cost: run (b) with /metrics scraped every second: {(scraped / plain - 1) * 100:+0.0;-0.0} % events/s"));
        report.AppendLine();
        report.AppendLine(ThroughputReport.Format($"`{commandLine}`; {events:N0} events on {partitions} partitions, (b) (the pipeline into a null sink) in a fresh child process per run, each with a new consumer group over the same topic; runs go without and with the health listener serving `/metrics` (as `streamheal run` does), fetched every second by the harness process like an outside Prometheus, in the order ABBA ABBA .... {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}."));
        report.AppendLine();
        report.AppendLine("| run | /metrics scraped | events/s | CPU s per million | peak RSS (MB) | lost |");
        report.AppendLine("|---|---|---|---|---|---|");
        for (var i = 0; i < runs.Count; i++)
        {
            var (scrapedRun, r) = runs[i];
            report.AppendLine(ThroughputReport.Format($"| {i + 1} | {(scrapedRun ? "every second" : "no")} | {r.EventsPerSecond:N0} | {r.CpuSecondsPerMillion:N2} | {r.Usage.PeakRssBytes / 1e6:N0} | {r.Verdict.Missing} |"));
        }

        report.AppendLine();
        var plainCpu = Median(runs.Where(static r => !r.Scraped).Select(static r => r.Result.CpuSecondsPerMillion));
        var scrapedCpu = Median(runs.Where(static r => r.Scraped).Select(static r => r.Result.CpuSecondsPerMillion));
        report.AppendLine(ThroughputReport.Format($"Median events/s: {plain:N0} not scraped, {scraped:N0} scraped ({(scraped / plain - 1) * 100:+0.0;-0.0} %). Median CPU seconds per million events: {plainCpu:N2} not scraped, {scrapedCpu:N2} scraped ({(scrapedCpu / plainCpu - 1) * 100:+0.0;-0.0} %). The target is a loss under 2 % of events/s; the runs of each side show the run-to-run spread on this machine. Load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter}."));
        report.AppendLine();
        if (scrapeCpu.Count > 0)
        {
            var perScrape = Median(scrapeCpu);
            var cpuPerSecond = Median(runs.Where(static r => r.Scraped).Select(static r => r.Result.Usage.Cpu.TotalSeconds / r.Result.Usage.Elapsed.TotalSeconds));
            report.AppendLine(ThroughputReport.Format($"Measured directly: after each scraped run, with the pipeline idle, the child timed 50 back-to-back scrapes against as long an idle spell: one scrape of the whole metric set cost {perScrape:0.00} ms of CPU (median; {string.Join(", ", scrapeCpu.Select(static c => c.ToString("0.00", CultureInfo.InvariantCulture)))} ms per run; the client runs in the child, so this is an upper bound). At one scrape a second that is {perScrape / 10:0.00} % of one core, against the {cpuPerSecond * 100:0} % of a core (CPU s per wall s) the pipeline used while running (b): {perScrape / 1000 / cpuPerSecond * 100:0.00} % of the pipeline's CPU."));
            report.AppendLine();
        }

        report.AppendLine("Every run's records are all in the null sink or the DLQ (lost 0). Duplicates are not shown: the runs share the topic's DLQ, so each run's verdict also reads the dead letters of the runs before it.");
        return report.ToString();
    }

    private void Say(string line)
    {
        progress.WriteLine(line);
        progress.Flush();
    }
}
