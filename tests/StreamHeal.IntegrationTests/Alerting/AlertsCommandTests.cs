using System.Text.Json;
using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Alerting;

public sealed class AlertsCommandTests
{
    [Fact]
    public async Task Alerts_test_sends_through_every_channel_and_names_the_one_that_did_not_deliver_without_its_url()
    {
        await using var slack = await AlertReceiver.StartAsync();
        var config = Path.Combine(Directory.CreateTempSubdirectory("streamheal-alerts-").FullName, "alerts.json");
        // Nothing listens on the second channel's port: every attempt is refused.
        var refused = $"http://127.0.0.1:{LoopbackPorts.Free()}/hook/secret-token";
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            kafka = new { groupId = "ops" },
            alerts = new
            {
                channels = new object[]
                {
                    new { type = "slack", url = slack.BaseUrl + "/services/T/B/token", name = "ops-slack" },
                    new { type = "webhook", url = refused },
                    new { type = "webhook", url = slack.BaseUrl + "/pager", minSeverity = "critical" },
                },
            },
        }));

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(
            "dotnet", [HostExecutable.Dll, "alerts", "test", "--severity", "high", "--config", config], "", TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 1, $"exit {exitCode}; stdout: {stdout}; stderr: {stderr}");
        Assert.Contains("ops-slack: delivered", stdout, StringComparison.Ordinal);
        Assert.Contains("webhook#1: NOT delivered", stdout, StringComparison.Ordinal);
        Assert.Contains("webhook#2: skipped", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", stdout + stderr, StringComparison.Ordinal);
        var text = JsonDocument.Parse(Assert.Single(slack.BodiesAt("/services/T/B/token"))).RootElement.GetProperty("text").GetString();
        Assert.StartsWith("HIGH [alert_test] StreamHeal alert test", text, StringComparison.Ordinal);
        Assert.Empty(slack.BodiesAt("/pager"));
    }

    [Fact]
    public async Task Alerts_test_without_channels_or_with_a_bad_severity_is_a_usage_error()
    {
        var config = Path.Combine(Directory.CreateTempSubdirectory("streamheal-alerts-").FullName, "alerts.json");
        await File.WriteAllTextAsync(config, "{}");

        var none = await ChildProcess.RunAsync("dotnet", [HostExecutable.Dll, "alerts", "test", "--config", config], "", TimeSpan.FromSeconds(60));
        var bad = await ChildProcess.RunAsync("dotnet", [HostExecutable.Dll, "alerts", "test", "--severity", "urgent", "--config", config], "", TimeSpan.FromSeconds(60));

        Assert.Equal(2, none.ExitCode);
        Assert.Contains("alerts.channels is empty", none.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--severity 'urgent'", bad.Stderr, StringComparison.Ordinal);
    }
}
