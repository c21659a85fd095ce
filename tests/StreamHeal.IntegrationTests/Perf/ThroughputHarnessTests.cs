using System.Text.RegularExpressions;
using System.Xml.Linq;
using StreamHeal.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Perf;

/// <summary>
/// Runs the throughput harness end to end on a small corpus (its own dev-kafka and BigQuery fake children): the report
/// has every run, the latency split and the GC figures, its first line is the machine-readable summary, and nothing
/// was lost or duplicated. Only the shape and the verdicts are checked; the numbers belong to the result files.
/// </summary>
[Collection(PerfCollection.Name)]
public sealed partial class ThroughputHarnessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_small_comparison_writes_every_section_and_a_summary_line_with_nothing_lost()
    {
        var folder = Directory.CreateTempSubdirectory("streamheal-harness-").FullName;
        string text, stdout;
        var charts = new Dictionary<string, XDocument>();
        XDocument latency;
        try
        {
            var report = Path.Combine(folder, "throughput.md");
            (var exitCode, stdout, var stderr) = await RunHarnessAsync("--events", "20000", "--partitions", "8", "--sustained-seconds", "2", "--output", report);
            output.WriteLine(stdout + stderr);
            Assert.Equal(0, exitCode);
            text = await File.ReadAllTextAsync(report);
            foreach (var name in new[] { "events", "rss", "gc" })
            {
                charts[name] = XDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, $"throughput-{name}.svg")));
            }

            latency = XDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "throughput-latency.svg")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Assert.Matches(SummaryLine(), text.AsSpan(0, text.IndexOf('\n', StringComparison.Ordinal)).ToString());
        foreach (var section in new[]
        {
            "## (a) ceiling", "## (b) StreamHeal into a null sink", "## (c) StreamHeal into DuckDB", "## (d) StreamHeal into the BigQuery fake",
            "## (a) ceiling, measured again after (d)", "### At 50% of (b)'s maximum", "### At 50% of (c)'s maximum",
            "### At 50% of (d)'s maximum, into the BigQuery fake", "## Against the targets",
        })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }

        Assert.Contains("- Command: `dotnet run --project perf/StreamHeal.Throughput -c Release -- --events 20000", text, StringComparison.Ordinal);
        Assert.Contains("| longest GC pause |", text, StringComparison.Ordinal);
        Assert.Equal(3, Regex.Count(text, @"\| partitions \| 64 \|"));
        Assert.Contains("| of which the producer's (Kafka timestamp → delivery report)", text, StringComparison.Ordinal);
        Assert.Contains("| sink write per batch:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", text, StringComparison.Ordinal);
        Assert.Matches(@"\| p99 ≤ 500 ms at 50% of \(d\) into the BigQuery fake \| [0-9,]+ ms \|", text);
        foreach (var (name, chart) in charts)
        {
            // One line per run, (a) to (d), each with points; the report links the file beside it.
            var lines = chart.Descendants().Where(static e => e.Name.LocalName == "polyline").ToArray();
            Assert.Equal(4, lines.Length);
            Assert.All(lines, static l => Assert.Contains(",", (string?)l.Attribute("points") ?? "", StringComparison.Ordinal));
            Assert.Contains($"(throughput-{name}.svg)", text, StringComparison.Ordinal);
        }

        // p50 and p99 per sink: DuckDB's line has its two runs' points, the BigQuery fake's one.
        var latencyLines = latency.Descendants().Where(static e => e.Name.LocalName == "polyline").ToArray();
        Assert.Equal(4, latencyLines.Length);
        Assert.Contains("(throughput-latency.svg)", text, StringComparison.Ordinal);
        Assert.Contains("every partition of events starts at offset 0", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_sustained_rate_alone_prints_its_latency_split_and_an_ok_verdict()
    {
        var (exitCode, stdout, stderr) = await RunHarnessAsync("--sustained-rate", "2000", "--sustained-seconds", "3");
        output.WriteLine(stdout + stderr);

        Assert.Equal(0, exitCode);
        // 26,000 events with the table's warm-up: the smallest topic a latency run gets.
        Assert.Contains("### Sustained at 2,000 events/s into DuckDB (64 partitions)", stdout, StringComparison.Ordinal);
        Assert.Contains("| partitions | 64 |", stdout, StringComparison.Ordinal);
        Assert.Contains("| of which before the sink's write started", stdout, StringComparison.Ordinal);
        Assert.Matches(OkVerdict(), stdout);
    }

    [Fact]
    public async Task A_backlog_check_into_the_bigquery_fake_reads_the_rows_back_for_its_verdict()
    {
        var folder = Directory.CreateTempSubdirectory("streamheal-harness-").FullName;
        string text;
        try
        {
            var report = Path.Combine(folder, "backlog.md");
            // The smallest request size allowed: the sink splits every batch, and the setting names the report's section.
            var (exitCode, stdout, stderr) = await RunHarnessAsync(
                "--backlog-check", "20000", "--partitions", "8", "--backlog-bigquery", "--bigquery-max-request-bytes", "65536", "--output", report);
            output.WriteLine(stdout + stderr);
            Assert.Equal(0, exitCode);
            text = await File.ReadAllTextAsync(report);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Assert.StartsWith("## Bounded memory: peak RSS against the backlog, into the BigQuery fake (maxRequestBytes 65,536)\n", text, StringComparison.Ordinal);
        Assert.Contains("Run (d), StreamHeal into the BigQuery fake", text, StringComparison.Ordinal);
        // The row ends with 0 lost and 0 duplicated, and the verdict counts rows the fake holds, not a placeholder.
        Assert.Matches(@"\| 20,000 \| [\d,]+ \| .* \| 0 \| 0 \|", text);
        Assert.Matches(@"verdict ok: (?!0 in the sink)[\d,]+ in the sink \+ [\d,]+ in the DLQ of 20,000; ", text);
        // Unsplit, a batch here is hundreds of KB: requests this small show the setting reached the pipeline child's sink.
        // The report rounds to 0.01 MB, so a full 65,536-byte request may read 0.07.
        var requests = Regex.Match(text, @"([\d,]+) AppendRows requests, [\d,]+ rows and (\d+\.\d\d) MB each on average");
        Assert.True(requests.Success, text);
        Assert.True(int.Parse(requests.Groups[1].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.InRange(double.Parse(requests.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 0.001, 0.07);
    }

    [Fact]
    public async Task Bad_options_exit_2_with_what_is_wrong()
    {
        var (exitCode, _, stderr) = await RunHarnessAsync("--events", "0");

        Assert.Equal(2, exitCode);
        Assert.Contains("--events must be at least 1", stderr, StringComparison.Ordinal);

        (exitCode, _, stderr) = await RunHarnessAsync("--backlog-check", "1000", "--backlog-duckdb", "256", "--backlog-bigquery");

        Assert.Equal(2, exitCode);
        Assert.Contains("or --backlog-bigquery, not both", stderr, StringComparison.Ordinal);

        (exitCode, _, stderr) = await RunHarnessAsync("--bigquery-max-request-bytes", "1000");

        Assert.Equal(2, exitCode);
        Assert.Contains("--bigquery-max-request-bytes between 65536 and 10000000", stderr, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunHarnessAsync(params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [PerfProgram.Dll("StreamHeal.Throughput"), .. arguments], "", RunTimeout);

    [GeneratedRegex(@"^ratios: b/a=\d+\.\d\d c/a=\d+\.\d\d d/a=\d+\.\d\d lost=0 duplicated=0$")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"\| verdict \| ok: [\d,]+ in the table \+ [\d,]+ in the DLQ of [\d,]+; 0 lost, 0 duplicated \|")]
    private static partial Regex OkVerdict();
}
