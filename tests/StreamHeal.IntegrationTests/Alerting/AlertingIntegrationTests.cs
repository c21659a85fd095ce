using StreamHeal.TestSupport;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using StreamHeal.Alerting;
using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Alerting;

/// <summary>
/// Alerting against the real parts: redis-server for the shared throttle (two replicas are two `streamheal alerts test
/// --repeat` processes), prometheus-alertmanager, and a Slack-style receiver on Kestrel. The Redis outage during a
/// pipeline run is <see cref="RedisOutageTests"/>.
/// </summary>
public sealed class AlertingIntegrationTests
{
    private const string Group = "alerts-it";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);

    /// <summary>A replica's dispatcher, once its Redis store is connected (a busy machine can miss the first 250 ms).</summary>
    private static async Task<AlertDispatcher> StartAsync(AlertOptions options)
    {
        var alerts = await AlertService.StartAsync(options, Group, TimeProvider.System, NullLoggerFactory.Instance);
        if (alerts.RedisStore is { } store)
        {
            await Eventually.Until(() => !store.Degraded, s_timeout, "the Redis store to connect");
        }

        return alerts;
    }

    private static Incident Critical(string key) => IncidentCatalog.SinkDown(key, TimeSpan.FromMinutes(2), "refused", DateTimeOffset.UtcNow);

    private static int Notified(AlertReceiver receiver, string kind, string key) =>
        receiver.BodiesAt("/hook").Count(body =>
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.GetProperty("kind").GetString() == kind && json.RootElement.GetProperty("key").GetString() == key;
        });

    [Fact]
    public async Task Two_processes_raising_one_incident_1000_times_each_notify_once_and_the_suppressed_counts_add_up()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var receiver = await AlertReceiver.StartAsync();
        var config = Path.Combine(Directory.CreateTempSubdirectory("streamheal-alerts-").FullName, "alerts.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            kafka = new { groupId = Group },
            alerts = new { redis = redis.Configuration, channels = new object[] { new { type = "webhook", url = receiver.BaseUrl + "/hook", name = "receiver" } } },
        }));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var runs = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => ChildProcess.RunAsync(
            "dotnet", [HostExecutable.Dll, "alerts", "test", "--severity", "critical", "--repeat", "1000", "--config", config], "", TimeSpan.FromSeconds(60))));
        var elapsed = clock.Elapsed;

        var counts = runs.Select(run =>
        {
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}; stdout: {run.Stdout}; stderr: {run.Stderr}");
            return JsonDocument.Parse(run.Stdout.Trim()).RootElement.Clone();
        }).ToList();
        // Both processes started, raised and finished within one critical cooldown (60 s): one window, one notification.
        Assert.True(elapsed < TimeSpan.FromSeconds(60), $"took {elapsed.TotalSeconds:0.#} s");
        Assert.All(counts, static c => Assert.Equal(1_000, c.GetProperty("raised").GetInt64()));
        Assert.All(counts, static c => Assert.Equal(0, c.GetProperty("dropped").GetInt64()));
        Assert.All(counts, static c => Assert.Equal("redis", c.GetProperty("throttle").GetString()));
        // The 2,000 raises of the two processes, from the first to the last through the throttle, fell within 10 s.
        var window = counts.Max(static c => c.GetProperty("throttledBy").GetInt64()) - counts.Min(static c => c.GetProperty("raisedFrom").GetInt64());
        Assert.True(window < 10_000, $"the raises spanned {window} ms");
        Assert.Equal(1, counts.Sum(static c => c.GetProperty("sent").GetInt64()));
        Assert.Equal(1_999, counts.Sum(static c => c.GetProperty("suppressed").GetInt64()));
        Assert.Equal(2_000, counts.Sum(static c => c.GetProperty("sent").GetInt64() + c.GetProperty("suppressed").GetInt64()));
        Assert.Equal(1, Notified(receiver, IncidentCatalog.Test, IncidentCatalog.Test));
        await using var check = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var key = AlertThrottle.KeyFor(Group, IncidentCatalog.TestIncident(AlertSeverity.Critical, DateTimeOffset.UtcNow));
        Assert.False((await check.GetDatabase().StringGetAsync(key)).IsNullOrEmpty);
        var ttl = await check.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Alertmanager_receives_a_sink_outage_and_sees_it_resolved_and_a_slack_receiver_gets_the_messages()
    {
        await using var alertmanager = await AlertmanagerServer.StartAsync();
        await using var slack = await AlertReceiver.StartAsync();
        var options = new AlertOptions
        {
            OutageAfter = TimeSpan.FromSeconds(5),
            Channels =
            [
                new AlertChannelOptions { Type = AlertChannelType.Alertmanager, Url = alertmanager.Address.ToString() },
                new AlertChannelOptions { Type = AlertChannelType.Slack, Url = slack.BaseUrl + "/services/T0/B0/token" },
            ],
        };
        await using var alerts = await StartAsync(options);
        // The incidents' own clock runs a minute behind, so the resolution's endsAt is already past for Alertmanager.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1));
        var incidents = new PipelineIncidents(alerts.Raise, options, clock, ["events"]);
        var healthy = new StreamHeal.Pipeline.PipelineStatus(0, 0, 0, 0, 0, 0, 0, 1, false, 0, 0, 0, true, null);

        incidents.Check(healthy, null, false);
        Assert.Empty(await alertmanager.ActiveAlertsAsync());
        for (var second = 0; second <= 5; second++)
        {
            incidents.SinkRetry("duckdb", "connection refused");
            incidents.Check(healthy, null, false);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        await Eventually.Until(async () => (await alertmanager.ActiveAlertsAsync()).Count == 1, s_timeout, "Alertmanager to hold the sink_unavailable alert");
        var labels = (await alertmanager.ActiveAlertsAsync()).Single();
        Assert.Equal("sink_unavailable", labels["alertname"]);
        Assert.Equal("critical", labels["severity"]);
        Assert.Equal("streamheal", labels["service"]);
        Assert.Equal(Group, labels["group"]);
        Assert.Equal("duckdb", labels["sink"]);
        await Eventually.Until(() => slack.BodiesAt("/services/T0/B0/token").Count >= 1, s_timeout, "the Slack message");
        var text = JsonDocument.Parse(slack.BodiesAt("/services/T0/B0/token")[0]).RootElement.GetProperty("text").GetString()!;
        Assert.StartsWith("CRITICAL [sink_unavailable] The duckdb sink has been unavailable for 5 s", text, StringComparison.Ordinal);
        Assert.Contains("connection refused", text, StringComparison.Ordinal);
        Assert.Contains($"group {Group}", text, StringComparison.Ordinal);

        clock.Advance(PipelineIncidents.ClearAfter);
        incidents.Check(healthy, null, false);

        await Eventually.Until(() => slack.BodiesAt("/services/T0/B0/token").Count >= 3, s_timeout, "the resolution and recovery messages");
        var resolved = await Eventually.TryUntil(() => alertmanager.ActiveAlertsAsync().GetAwaiter().GetResult().Count == 0, s_timeout);
        Assert.True(resolved is not null, $"Alertmanager still holds the alert; sent {alerts.Metrics.Sent}, failures {alerts.Metrics.SendFailures}; Slack got: {string.Join(" | ", slack.BodiesAt("/services/T0/B0/token"))}");
        var texts = slack.BodiesAt("/services/T0/B0/token").Select(static b => JsonDocument.Parse(b).RootElement.GetProperty("text").GetString()!).ToList();
        Assert.Contains(texts, static t => t.StartsWith("RESOLVED [sink_unavailable]", StringComparison.Ordinal));
        Assert.Contains(texts, static t => t.StartsWith("LOW [recovered] Recovered: sink_unavailable cleared after", StringComparison.Ordinal));
        Assert.Equal(0, alerts.Metrics.SendFailures);
    }

    [Fact]
    public async Task A_channel_that_is_down_is_retried_and_never_holds_back_another()
    {
        await using var down = await AlertReceiver.StartAsync();
        await using var up = await AlertReceiver.StartAsync();
        down.Down = true;
        await using var alerts = await StartAsync(new AlertOptions
        {
            Channels =
            [
                new AlertChannelOptions { Type = AlertChannelType.Webhook, Url = down.BaseUrl + "/hook", Name = "down" },
                new AlertChannelOptions { Type = AlertChannelType.Webhook, Url = up.BaseUrl + "/hook", Name = "up" },
            ],
        });

        for (var i = 0; i < 5; i++)
        {
            alerts.Raise(Critical("key-" + i));
        }

        await Eventually.Until(() => up.BodiesAt("/hook").Count == 5, s_timeout, "the healthy channel to get every notification");
        await Eventually.Until(() => alerts.Metrics.SendFailures >= 2, s_timeout, "the down channel's retries");
        Assert.Empty(down.BodiesAt("/hook"));
        down.Down = false;
        await Eventually.Until(() => down.BodiesAt("/hook").Count >= 1, s_timeout, "the down channel to get a retried notification once it is up");
    }
}
