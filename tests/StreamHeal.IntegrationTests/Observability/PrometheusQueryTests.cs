using StreamHeal.TestSupport;
using System.Text.RegularExpressions;
using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Observability;

/// <summary>
/// Every expression of the dashboard and the alert rules, evaluated by a real Prometheus. StreamHeal's series are
/// not scraped here, so results may be empty: what is proven is that Prometheus accepts and evaluates each query.
/// </summary>
public sealed partial class PrometheusQueryTests(PrometheusFixture prometheus) : IClassFixture<PrometheusFixture>
{
    private static readonly TimeSpan s_evaluationTimeout = TimeSpan.FromSeconds(30);

    // The alerts the observability issue asks for; StreamHealLagHigh has a warning and a critical rule.
    private static readonly string[] s_alerts =
    [
        "StreamHealDown", "StreamHealNoProgress", "StreamHealLagHigh", "StreamHealLagHigh", "StreamHealLagGrowing",
        "StreamHealLagSecondsHigh", "StreamHealDeadLetterRate", "StreamHealErrorRatio", "StreamHealLatencyP99High",
        "StreamHealDegraded", "StreamHealCircuitOpen", "StreamHealExactlyOnceLost", "StreamHealQuarantineSpike",
        "StreamHealInFlightNearLimit", "StreamHealOffsetReset",
    ];

    private readonly PrometheusServer _server = prometheus.Server;

    [Fact]
    public async Task The_server_holds_its_own_series_and_reports_a_bad_query_as_an_error()
    {
        var scraped = await _server.QueryAsync("prometheus_build_info");
        var broken = await _server.QueryAsync("rate(up[1m)");
        var mistyped = await _server.QueryAsync("histogram_quantile(0.99, \"le\")");

        Assert.True(scraped.Succeeded, scraped.Error);
        Assert.Equal(1, scraped.SeriesCount);
        Assert.False(broken.Succeeded);
        Assert.Contains("parse error", broken.Error, StringComparison.Ordinal);
        Assert.False(mistyped.Succeeded);
    }

    [Fact]
    public async Task Every_dashboard_query_and_variable_query_is_valid_PromQL()
    {
        var dashboard = GrafanaDashboard.Load(GrafanaDashboard.DefaultPath);
        var expressions = dashboard.Queries
            .Select(q => ($"{q.Panel} [{q.RefId}]", q.Expression))
            .Concat(dashboard.Variables
                .Select(v => (v, selector: GrafanaDashboard.LabelValuesSelector(v.Query)))
                .Where(x => x.selector is not null)
                .Select(x => ($"variable {x.v.Name}", x.selector!)))
            .ToList();
        Assert.NotEmpty(expressions);

        var failures = new List<string>();
        foreach (var (where, expression) in expressions)
        {
            var promQl = GrafanaDashboard.Substitute(expression, GrafanaDashboard.AllValues);
            Assert.DoesNotContain("$", promQl, StringComparison.Ordinal);
            var result = await _server.QueryAsync(promQl);
            if (!result.Succeeded)
            {
                failures.Add($"{where}: {result.Error}\n  {promQl}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Every_alert_rule_loads_evaluates_and_is_valid_PromQL()
    {
        var rules = await _server.GetRulesAsync();
        Assert.Equal(s_alerts.Order(), rules.Select(r => r.Name).Order());
        Assert.All(rules, r => Assert.Equal("alerting", r.Type));

        var failures = new List<string>();
        foreach (var rule in rules)
        {
            var result = await _server.QueryAsync(rule.Query);
            if (!result.Succeeded)
            {
                failures.Add($"{rule.Name} ({rule.Labels.GetValueOrDefault("severity")}): {result.Error}\n  {rule.Query}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));

        // The rule manager evaluates every second; each rule must have run once, without an error.
        IReadOnlyList<LoadedRule> evaluated = [];
        await Eventually.Until(
            async () => (evaluated = await _server.GetRulesAsync()).All(r => r.Health != "unknown"),
            s_evaluationTimeout,
            "every alert rule to be evaluated once");
        Assert.All(evaluated, r => Assert.True(r.Health == "ok", $"{r.Name}: health {r.Health}, {r.LastError}"));
    }

    [Fact]
    public async Task Every_alert_has_a_severity_says_where_and_links_its_runbook_section()
    {
        var anchors = RunbookAnchors();
        var problems = new List<string>();
        foreach (var rule in await _server.GetRulesAsync())
        {
            var severity = rule.Labels.GetValueOrDefault("severity");
            if (severity is not ("warning" or "critical"))
            {
                problems.Add($"{rule.Name}: severity '{severity}' is neither warning nor critical");
            }

            if (string.IsNullOrWhiteSpace(rule.Annotations.GetValueOrDefault("summary")))
            {
                problems.Add($"{rule.Name}: no summary");
            }

            // The labels an alert is grouped by are what locate it; the description must name each of them.
            var description = rule.Annotations.GetValueOrDefault("description") ?? "";
            var locating = GroupingLabels(rule.Query).DefaultIfEmpty("instance");
            problems.AddRange(locating
                .Where(label => !description.Contains($"$labels.{label}", StringComparison.Ordinal))
                .Select(label => $"{rule.Name}: description does not name {label}"));

            var runbook = rule.Annotations.GetValueOrDefault("runbook") ?? "";
            var anchor = Regex.Match(runbook, "^README\\.md#(?<anchor>[a-z0-9-]+)$").Groups["anchor"].Value;
            if (anchor != rule.Name.ToLowerInvariant() || !anchors.Contains(anchor))
            {
                problems.Add($"{rule.Name}: runbook '{runbook}' is not README.md#{rule.Name.ToLowerInvariant()} under README's ## Runbook");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>GitHub's anchors of the ### headings in README's "## Runbook" section.</summary>
    private static HashSet<string> RunbookAnchors()
    {
        var lines = File.ReadAllLines(RepositoryRoot.Combine("README.md"));
        return lines
            .SkipWhile(l => l.Trim() != "## Runbook")
            .Skip(1)
            .TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Where(l => l.StartsWith("### ", StringComparison.Ordinal))
            .Select(l => NotInAnchor().Replace(l[4..].Trim().ToLowerInvariant(), "").Replace(' ', '-'))
            .ToHashSet();
    }

    private static IEnumerable<string> GroupingLabels(string query) =>
        ByClause().Matches(query)
            .SelectMany(m => m.Groups["labels"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Where(label => label != "le")
            .Distinct();

    [GeneratedRegex(@"[^a-z0-9 _-]")]
    private static partial Regex NotInAnchor();

    [GeneratedRegex(@"\bby\s*\((?<labels>[^)]*)\)")]
    private static partial Regex ByClause();
}
