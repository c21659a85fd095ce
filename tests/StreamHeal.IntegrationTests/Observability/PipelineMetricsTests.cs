using StreamHeal.TestSupport;
using StreamHeal.Hosting;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Observability;

/// <summary>
/// One short pipeline run (demo events with poison, a sink outage) behind the health listener's <c>/metrics</c>,
/// scraped every second by a real Prometheus loaded with the shipped alert rules. The same run proves the exporter
/// (README's list = what is exported, <c>promtool check metrics</c>, counts equal to the sink and the DLQ) and the
/// operator's view (every dashboard and alert query evaluates, every panel shows data).
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class PipelineMetricsTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private const int Events = 4_000;

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    // Panels that stay empty in this run, and why. Everything else must return at least one series.
    private static readonly Dictionary<string, string> s_emptyPanels = new(StringComparer.Ordinal)
    {
        ["Appends by outcome"] = "BigQuery sink only; the run writes to DuckDB",
        ["Append throughput"] = "BigQuery sink only",
        ["Throttles and reconnects"] = "BigQuery sink only",
        ["In-flight appends and their limit"] = "BigQuery sink only",
        ["Row errors"] = "BigQuery sink only",
        ["Exactly-once losses"] = "BigQuery sink only",
        ["Schema registrations"] = "only with a Schema Registry; the run keeps the schema state in process",
    };

    [Fact]
    public async Task A_running_pipeline_exports_what_README_lists_and_feeds_every_dashboard_panel()
    {
        await using var scenario = new PipelineScenario(kafka, output, "metrics", partitions: 4);
        var produced = await scenario.ProduceAsync(Events / 2, seed: 12, poisonShare: 0.02);
        await using var sink = new FlakySink(scenario.OpenSink());
        var run = scenario.Start(sink);
        await using var endpoint = await HealthEndpoint.StartAsync(new HealthOptions(), () => run.Pipeline.Status, scenario.Loggers, port: 0);
        await using var prometheus = await PrometheusServer.StartAsync(new PrometheusServerOptions
        {
            Targets = [new ScrapeTarget("streamheal", $"127.0.0.1:{endpoint.EndPoint.Port}")],
            RuleFiles = [PrometheusFixture.AlertRules],
        });

        // The first half written, then a brief sink outage while the second half waits.
        await PipelineScenario.WaitForDoneAsync(produced.Length, s_timeout, run.Pipeline);
        sink.Down = true;
        produced = [.. produced, .. await scenario.ProduceAsync(Events / 2, seed: 13, poisonShare: 0.02)];
        await Eventually.Until(() => sink.Refused >= 2 && run.Pipeline.Status.Degraded, s_timeout, "the sink refused and the pipeline degraded");
        await prometheus.WaitForSeriesAsync("streamheal_degraded{dependency=\"sink\"} == 1", s_timeout);
        sink.Down = false;
        await PipelineScenario.WaitForDoneAsync(produced.Length, s_timeout, run.Pipeline);

        // Prometheus has scraped the final counts (and so holds several samples of every series for the rates).
        var table = $"table=\"{scenario.Table}\"";
        await prometheus.WaitForSeriesAsync($"streamheal_rows_written_total{{{table}}} == {run.Pipeline.Metrics.Sunk}", s_timeout);
        var scrape = await MetricsScrape.GetAsync(endpoint);
        await AssertPromQlAsync(prometheus);

        await run.Stop.CancelAsync();
        await run.Running;
        var (rows, deadLetters) = await scenario.ReadBackAsync();

        // The exported figures are what the sink and the DLQ hold.
        Assert.Equal(rows.Count, MetricsScrape.Sum(scrape, "streamheal_rows_written_total", table));
        Assert.Equal(deadLetters.Count, MetricsScrape.Sum(scrape, "streamheal_messages_dead_lettered_total", $"topic=\"{scenario.Topic}\""));
        Assert.Equal(produced.Length, MetricsScrape.Sum(scrape, "streamheal_messages_consumed_total", $"topic=\"{scenario.Topic}\""));
        Assert.True(deadLetters.Count > 0 && rows.Count > 0, $"{rows.Count} rows and {deadLetters.Count} dead letters");
        Assert.True(MetricsScrape.Sum(scrape, "streamheal_dependency_retries_total", "dependency=\"sink\"") >= 2, "the outage's retries are counted");

        AssertReadmeListsWhatIsExported(scrape);
        var promtool = ExternalTools.RequireOnPath("promtool", "prometheus");
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(promtool, ["check", "metrics"], scrape, s_timeout);
        Assert.True(exitCode == 0, $"promtool check metrics exited with {exitCode}:\n{stdout}\n{stderr}");
    }

    private async Task AssertPromQlAsync(PrometheusServer prometheus)
    {
        var dashboard = GrafanaDashboard.Load(GrafanaDashboard.DefaultPath);
        var failures = new List<string>();
        var empty = new List<string>();
        foreach (var panel in dashboard.Queries.GroupBy(q => q.Panel))
        {
            var series = 0;
            foreach (var query in panel)
            {
                var result = await prometheus.QueryAsync(GrafanaDashboard.Substitute(query.Expression, GrafanaDashboard.AllValues));
                if (!result.Succeeded)
                {
                    failures.Add($"{panel.Key} [{query.RefId}]: {result.Error}");
                }

                series += result.SeriesCount;
            }

            if (series == 0 && !s_emptyPanels.ContainsKey(panel.Key))
            {
                empty.Add(panel.Key);
            }
        }

        foreach (var rule in await prometheus.GetRulesAsync())
        {
            var result = await prometheus.QueryAsync(rule.Query);
            if (!result.Succeeded)
            {
                failures.Add($"alert {rule.Name}: {result.Error}");
            }
        }

        output.WriteLine($"panels without data (expected): {string.Join(", ", s_emptyPanels.Keys)}");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(empty.Count == 0, $"panels without a series: {string.Join(", ", empty)}");
        Assert.All(s_emptyPanels.Keys, title => Assert.Contains(title, dashboard.Queries.Select(q => q.Panel)));
    }

    /// <summary>README's metric table against the <c>streamheal_</c> families of the scrape, names and types.</summary>
    private static void AssertReadmeListsWhatIsExported(string scrape)
    {
        var exported = MetricsScrape.Families(scrape)
            .Where(f => f.Key.StartsWith("streamheal_", StringComparison.Ordinal))
            .ToDictionary();
        var listed = MetricsScrape.ReadmeMetrics();
        Assert.NotEmpty(listed);

        var problems = new List<string>();
        problems.AddRange(exported.Keys.Where(name => !listed.ContainsKey(name)).Select(name => $"{name} is exported but README does not list it"));
        foreach (var (name, (type, when)) in listed)
        {
            if (!exported.TryGetValue(name, out var exportedType))
            {
                if (!when.StartsWith("with ", StringComparison.Ordinal))
                {
                    problems.Add($"{name} is listed in README ({when}) but not exported");
                }
            }
            else if (exportedType != type)
            {
                problems.Add($"{name} is a {exportedType}, README says {type}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }
}
