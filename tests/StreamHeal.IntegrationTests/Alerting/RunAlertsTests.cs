using System.Text.Json;
using StreamHeal.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Alerting;

public sealed class RunAlertsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_service_sends_pipeline_failed_to_its_webhook_before_it_exits_and_never_logs_the_url()
    {
        await using var receiver = await AlertReceiver.StartAsync();
        var directory = Directory.CreateTempSubdirectory("streamheal-run-alerts-").FullName;
        var config = Path.Combine(directory, "config.json");
        // No broker listens: the DLQ start-up check fails after its timeout and the service stops with exit 1.
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            kafka = new { bootstrapServers = $"127.0.0.1:{LoopbackPorts.Free()}", groupId = "run-alerts", topics = new[] { "events" } },
            sink = new { duckdb = new { path = Path.Combine(directory, "t.duckdb") } },
            dlq = new { startupCheckTimeout = "00:00:02" },
            health = new { port = 0 },
            alerts = new { channels = new[] { new { type = "webhook", url = receiver.BaseUrl + "/hook/secret-token" } } },
        }));

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync("dotnet", [HostExecutable.Dll, "run", "--config", config], "", TimeSpan.FromSeconds(60));
        output.WriteLine(stdout + stderr);

        Assert.Equal(1, exitCode);
        using var body = JsonDocument.Parse(Assert.Single(receiver.BodiesAt("/hook/secret-token")));
        Assert.Equal("pipeline_failed", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal("critical", body.RootElement.GetProperty("severity").GetString());
        Assert.Equal("run-alerts", body.RootElement.GetProperty("group").GetString());
        Assert.Contains("events.dlq", body.RootElement.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("Alerts: 1 channel(s) (webhook#0); throttling in this process only", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", stdout + stderr, StringComparison.Ordinal);
    }
}
