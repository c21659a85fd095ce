using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Observability;

/// <summary>The shipped Prometheus and Alertmanager files, checked by the tools that will load them.</summary>
public sealed class PrometheusToolTests
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

    private static string Deploy(params string[] parts) => RepositoryRoot.Combine(["deploy", .. parts]);

    private static async Task AssertToolSucceedsAsync(string tool, string debianPackage, params string[] arguments)
    {
        var path = ExternalTools.RequireOnPath(tool, debianPackage);
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(path, arguments, "", s_toolTimeout);
        Assert.True(exitCode == 0, $"{tool} {string.Join(' ', arguments)} exited with {exitCode}:\n{stdout}\n{stderr}");
    }
}
