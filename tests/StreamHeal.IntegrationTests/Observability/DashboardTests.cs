using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace StreamHeal.IntegrationTests.Observability;

/// <summary>The dashboard's structure: what Grafana needs to show it with no clicks, and what keeps it portable.</summary>
public sealed partial class DashboardTests
{
    private const string DatasourceVariable = "${datasource}";

    private static readonly string[] s_rows = ["Overview", "Kafka", "Pipeline", "Sink", "Schema", "Runtime"];

    private static readonly string[] s_filterVariables = ["job", "instance", "topic", "table"];

    // The metric set of the observability issue, plus the System.Runtime metrics of the Runtime row
    // (grafana/README.md). The build-info metric feeds the job and instance variables and the Version panel.
    private static readonly string[] s_metrics =
    [
        "streamheal_messages_consumed_total", "streamheal_rows_written_total", "streamheal_rows_already_written_total",
        "streamheal_messages_dead_lettered_total", "streamheal_tombstones_total", "streamheal_fields_quarantined_total",
        "streamheal_end_to_end_latency_seconds_bucket", "streamheal_stage_duration_seconds_bucket",
        "streamheal_sink_write_duration_seconds_bucket", "streamheal_batch_rows_bucket",
        "streamheal_stage_queue_depth", "streamheal_stage_queue_capacity", "streamheal_inflight_records",
        "streamheal_inflight_bytes", "streamheal_inflight_bytes_limit",
        "streamheal_consumer_lag_messages", "streamheal_consumer_lag_seconds", "streamheal_commit_lag_messages",
        "streamheal_partition_paused", "streamheal_last_progress_timestamp_seconds",
        "streamheal_partitions_assigned", "streamheal_rebalances_total", "streamheal_offset_resets_total",
        "streamheal_offsets_skipped_total",
        "streamheal_dependency_retries_total", "streamheal_circuit_breaker_state", "streamheal_degraded",
        "streamheal_sink_appends_total", "streamheal_sink_append_bytes_total", "streamheal_sink_throttled_total",
        "streamheal_sink_reconnects_total", "streamheal_sink_row_errors_total", "streamheal_exactly_once_lost_total",
        "streamheal_sink_inflight_appends_limit", "streamheal_sink_inflight_appends",
        "streamheal_schema_columns", "streamheal_schema_columns_added_total", "streamheal_schema_registrations_total",
        "streamheal_build_info",
        "dotnet_process_cpu_time_seconds_total", "dotnet_process_memory_working_set_bytes",
        "dotnet_gc_pause_time_seconds_total", "dotnet_gc_last_collection_heap_size_bytes",
    ];

    private readonly GrafanaDashboard _dashboard = GrafanaDashboard.Load(GrafanaDashboard.DefaultPath);

    [Fact]
    public void It_is_schema_39_with_the_rows_in_order()
    {
        Assert.Equal(39, _dashboard.Root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(s_rows, _dashboard.Rows.Select(GrafanaDashboard.Title));
    }

    [Fact]
    public void Every_row_holds_panels()
    {
        // Panels before the first row count under a name no row has, and so fail the check below.
        var counts = new Dictionary<string, int>();
        var row = "(above the first row)";
        foreach (var panel in _dashboard.AllPanels)
        {
            if (GrafanaDashboard.IsRow(panel))
            {
                row = GrafanaDashboard.Title(panel);
            }

            counts[row] = counts.GetValueOrDefault(row) + (GrafanaDashboard.IsRow(panel) ? 0 : 1);
        }

        Assert.DoesNotContain("(above the first row)", counts.Keys);

        Assert.All(s_rows, r => Assert.True(counts[r] > 0, $"Row {r} has no panel."));
    }

    [Fact]
    public void The_datasource_and_the_filters_are_variables()
    {
        var variables = _dashboard.Variables.ToDictionary(v => v.Name);

        var datasource = Assert.Contains("datasource", variables);
        Assert.Equal("datasource", datasource.Type);
        Assert.Equal("prometheus", datasource.Query);
        foreach (var name in s_filterVariables)
        {
            var variable = Assert.Contains(name, variables);
            Assert.Equal("query", variable.Type);
            Assert.NotNull(GrafanaDashboard.LabelValuesSelector(variable.Query));
            Assert.Equal(DatasourceVariable, variable.Definition.GetProperty("datasource").GetProperty("uid").GetString());
            // Every query uses the variables as label=~"$var"; "All" must then be a regex that matches everything.
            Assert.True(variable.Definition.GetProperty("includeAll").GetBoolean(), $"{name}: no All option");
            Assert.Equal(".*", variable.Definition.GetProperty("allValue").GetString());
        }
    }

    [Fact]
    public void Every_panel_has_the_datasource_variable_a_unit_and_a_query()
    {
        var problems = new List<string>();
        foreach (var panel in _dashboard.Panels)
        {
            var title = GrafanaDashboard.Title(panel);
            if (DatasourceUid(panel) != DatasourceVariable)
            {
                problems.Add($"{title}: datasource is not {DatasourceVariable}");
            }

            if (!panel.TryGetProperty("fieldConfig", out var fieldConfig)
                || !fieldConfig.GetProperty("defaults").TryGetProperty("unit", out var unit)
                || string.IsNullOrWhiteSpace(unit.GetString()))
            {
                problems.Add($"{title}: no unit (fieldConfig.defaults.unit)");
            }

            var targets = GrafanaDashboard.Targets(panel).ToList();
            if (!targets.Any(t => t.TryGetProperty("expr", out var expr) && !string.IsNullOrWhiteSpace(expr.GetString())))
            {
                problems.Add($"{title}: no target with an expr");
            }

            problems.AddRange(targets
                .Where(t => t.TryGetProperty("datasource", out _) && DatasourceUid(t) != DatasourceVariable)
                .Select(t => $"{title}: target {t.GetProperty("refId")} names another datasource"));
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Panel_ids_are_unique()
    {
        var ids = _dashboard.AllPanels.Select(p => p.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Every_query_filters_by_job_and_instance_and_hard_codes_no_host()
    {
        var problems = new List<string>();
        foreach (var query in _dashboard.Queries)
        {
            var where = $"{query.Panel} [{query.RefId}]: {query.Expression}";
            if (!query.Expression.Contains("job=~\"$job\"", StringComparison.Ordinal)
                || !query.Expression.Contains("instance=~\"$instance\"", StringComparison.Ordinal))
            {
                problems.Add($"{where}: does not select job=~\"$job\" and instance=~\"$instance\"");
            }

            if (InstanceOrJobMatcher().Matches(query.Expression).Any(m => !m.Groups["value"].Value.StartsWith('$')))
            {
                problems.Add($"{where}: matches job or instance by a fixed value");
            }

            if (HostLike().IsMatch(query.Expression))
            {
                problems.Add($"{where}: names a host");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_range_is_the_rate_interval_and_every_variable_exists()
    {
        var known = _dashboard.Variables.Select(v => v.Name).Concat(GrafanaDashboard.AllValues.Keys).ToHashSet();
        var problems = new List<string>();
        foreach (var query in _dashboard.Queries)
        {
            var where = $"{query.Panel} [{query.RefId}]: {query.Expression}";
            problems.AddRange(RangeSelector().Matches(query.Expression)
                .Where(m => m.Groups["range"].Value != "$__rate_interval")
                .Select(m => $"{where}: range [{m.Groups["range"].Value}] instead of [$__rate_interval]"));
            problems.AddRange(GrafanaDashboard.ReferencedVariables(query.Expression)
                .Where(v => !known.Contains(v))
                .Select(v => $"{where}: unknown variable ${v}"));
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_metric_of_the_set_has_a_panel()
    {
        var expressions = string.Join('\n', _dashboard.Queries.Select(q => q.Expression));
        var missing = s_metrics.Where(m => !Regex.IsMatch(expressions, $@"\b{m}\b")).ToList();
        Assert.True(missing.Count == 0, "No panel shows: " + string.Join(", ", missing));
    }

    private static string? DatasourceUid(JsonElement element) =>
        element.TryGetProperty("datasource", out var datasource) && datasource.ValueKind == JsonValueKind.Object
            && datasource.TryGetProperty("uid", out var uid)
            ? uid.GetString()
            : null;

    [GeneratedRegex(@"\b(?:instance|job)\s*(?:=~|!~|!=|=)\s*""(?<value>[^""]*)""")]
    private static partial Regex InstanceOrJobMatcher();

    // A host name, an IPv4 address or a host:port.
    [GeneratedRegex(@"localhost|\b\d{1,3}(?:\.\d{1,3}){3}\b|[A-Za-z0-9-]+:\d{2,5}\b")]
    private static partial Regex HostLike();

    [GeneratedRegex(@"\[(?<range>[^\]]+)\]")]
    private static partial Regex RangeSelector();
}
