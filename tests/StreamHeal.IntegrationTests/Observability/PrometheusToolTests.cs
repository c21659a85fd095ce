using System.Text.RegularExpressions;
using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Observability;

/// <summary>The shipped Prometheus and Alertmanager files, checked by the tools that will load them.</summary>
public sealed partial class PrometheusToolTests
{
    private static readonly TimeSpan s_toolTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public Task Alert_rules_pass_promtool_check_rules() =>
        AssertToolSucceedsAsync("promtool", "prometheus", "check", "rules", Deploy("prometheus", "alerts.yml"));

    [Fact]
    public Task Alert_rules_pass_their_promtool_unit_tests() =>
        AssertToolSucceedsAsync("promtool", "prometheus", "test", "rules", Deploy("prometheus", "alerts.test.yml"));

    [Fact]
    public Task Prometheus_config_and_the_rules_it_loads_pass_promtool_check_config() =>
        AssertToolSucceedsAsync("promtool", "prometheus", "check", "config", Deploy("prometheus", "prometheus.yml"));

    [Fact]
    public Task Alertmanager_config_passes_amtool_check_config() =>
        AssertToolSucceedsAsync("amtool", "prometheus-alertmanager", "check-config", Deploy("alertmanager", "alertmanager.yml"));

    [Fact]
    public void Every_alert_has_a_promtool_case_where_it_fires()
    {
        var alerts = AlertName().Matches(File.ReadAllText(Deploy("prometheus", "alerts.yml"))).Select(m => m.Groups["name"].Value).ToHashSet();
        var cases = File.ReadAllText(Deploy("prometheus", "alerts.test.yml"));

        // "alertname: X" then "exp_alerts: []" is a case where X must not fire; any other exp_alerts is one where it
        // fires. Not firing is also shown by the series a firing case leaves out of exp_alerts: promtool compares
        // the whole set of alerts at every eval_time.
        var firing = TestedAlert().Matches(cases).Where(m => m.Groups["none"].Length == 0).Select(m => m.Groups["name"].Value).ToHashSet();
        Assert.NotEmpty(alerts);
        Assert.Empty(alerts.Except(firing));
    }

    private static string Deploy(params string[] parts) => RepositoryRoot.Combine(["deploy", .. parts]);

    private static async Task AssertToolSucceedsAsync(string tool, string debianPackage, params string[] arguments)
    {
        var path = ExternalTools.RequireOnPath(tool, debianPackage);
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(path, arguments, "", s_toolTimeout);
        Assert.True(exitCode == 0, $"{tool} {string.Join(' ', arguments)} exited with {exitCode}:\n{stdout}\n{stderr}");
    }

    [GeneratedRegex(@"^\s*- alert: (?<name>\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex AlertName();

    [GeneratedRegex(@"alertname: (?<name>\w+)\s*\n\s*exp_alerts:(?<none>\s*\[\])?")]
    private static partial Regex TestedAlert();
}
