using StreamHeal.TestSupport;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using StreamHeal.Alerting;
using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Alerting;

/// <summary>
/// Alerting against the real parts: redis-server for the shared throttle (two replicas are two dispatchers with their
/// own ConnectionMultiplexer in this process), prometheus-alertmanager, and a Slack-style receiver on Kestrel. One
/// class, so its tests run one after another and the degraded gauge read here is only theirs.
/// </summary>
public sealed class AlertingIntegrationTests
{
    private const string Group = "alerts-it";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);

    private static AlertOptions Options(string redis, string webhook, string instance) => new()
    {
        Redis = redis,
        Instance = instance,
        QueueCapacity = 4_096,
        Channels = [new AlertChannelOptions { Type = AlertChannelType.Webhook, Url = webhook, Name = "receiver" }],
    };

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
    public async Task Two_replicas_raising_one_incident_1000_times_each_notify_once_and_the_suppressed_counts_add_up()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var receiver = await AlertReceiver.StartAsync();
        await using var a = await StartAsync(Options(redis.Configuration, receiver.BaseUrl + "/hook", "replica-a"));
        await using var b = await StartAsync(Options(redis.Configuration, receiver.BaseUrl + "/hook", "replica-b"));
        var incident = Critical("duckdb");

        var raised = await Task.WhenAll(
            Task.Run(() => Enumerable.Range(0, 1_000).Count(_ => a.Raise(incident))),
            Task.Run(() => Enumerable.Range(0, 1_000).Count(_ => b.Raise(incident))));
        await Eventually.Until(() => a.Metrics.Suppressed + b.Metrics.Suppressed + a.Metrics.Sent + b.Metrics.Sent >= 2_000, s_timeout, "2,000 throttle decisions");

        Assert.Equal([1_000, 1_000], raised);
        Assert.Equal(1, Notified(receiver, IncidentCatalog.SinkUnavailable, incident.Key));
        Assert.Equal(1, a.Metrics.Sent + b.Metrics.Sent);
        Assert.Equal(1_999, a.Metrics.Suppressed + b.Metrics.Suppressed);
        Assert.Equal(0, a.Metrics.Dropped + b.Metrics.Dropped);
        Assert.False(a.RedisStore!.Degraded);
        Assert.False(b.RedisStore!.Degraded);
        await using var check = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var holder = await check.GetDatabase().StringGetAsync(AlertThrottle.KeyFor(Group, incident));
        Assert.Contains(holder.ToString(), new[] { "replica-a", "replica-b" });
        var ttl = await check.GetDatabase().KeyTimeToLiveAsync(AlertThrottle.KeyFor(Group, incident));
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Redis_killed_falls_back_to_in_process_throttling_and_shared_throttling_resumes_within_5_s_of_its_restart()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var receiver = await AlertReceiver.StartAsync();
        await using var a = await StartAsync(Options(redis.Configuration, receiver.BaseUrl + "/hook", "replica-a"));
        await using var b = await StartAsync(Options(redis.Configuration, receiver.BaseUrl + "/hook", "replica-b"));
        var before = Critical("before-kill");
        a.Raise(before);
        b.Raise(before);
        await Eventually.Until(() => a.Metrics.Suppressed + b.Metrics.Suppressed + Notified(receiver, IncidentCatalog.SinkUnavailable, before.Key) >= 2, s_timeout, "the first incident");
        Assert.Equal(1, Notified(receiver, IncidentCatalog.SinkUnavailable, before.Key));
        Assert.Equal("0,0", string.Join(",", RedisDegradedGauge()));

        await redis.KillAsync();
        var during = Critical("during-outage");
        var started = TimeProvider.System.GetTimestamp();
        for (var i = 0; i < 500; i++)
        {
            Assert.True(a.Raise(during));
            Assert.True(b.Raise(during));
        }

        // Raising never waits on Redis: 1,000 raises take far less than one Redis timeout.
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromMilliseconds(250));
        await Eventually.Until(() => a.Metrics.Suppressed + b.Metrics.Suppressed >= 1 + 998, s_timeout, "the outage's incidents to be throttled in-process");
        await Eventually.Until(() => Notified(receiver, IncidentCatalog.SinkUnavailable, during.Key) >= 2, s_timeout, "one notification per replica");
        Assert.True(a.RedisStore!.Degraded);
        Assert.True(b.RedisStore!.Degraded);
        Assert.Equal("1,1", string.Join(",", RedisDegradedGauge()));
        // Without Redis each replica throttles alone: one notification each, no more.
        Assert.Equal(2, Notified(receiver, IncidentCatalog.SinkUnavailable, during.Key));

        await redis.RestartAsync();
        var back = await Eventually.Until(() => Task.FromResult(!a.RedisStore.Degraded && !b.RedisStore.Degraded), TimeSpan.FromSeconds(5), "both replicas to use Redis again");
        Assert.True(back <= TimeSpan.FromSeconds(5));
        Assert.Equal("0,0", string.Join(",", RedisDegradedGauge()));

        var after = Critical("after-restart");
        for (var i = 0; i < 100; i++)
        {
            a.Raise(after);
            b.Raise(after);
        }

        await Eventually.Until(() => a.Metrics.Suppressed + b.Metrics.Suppressed >= 1 + 998 + 199, s_timeout, "the incidents after the restart");
        Assert.Equal(1, Notified(receiver, IncidentCatalog.SinkUnavailable, after.Key));
        await using var check = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        Assert.True(await check.GetDatabase().KeyExistsAsync(AlertThrottle.KeyFor(Group, after)));
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

    private static List<int> RedisDegradedGauge()
    {
        var values = new List<int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "streamheal.alerts.redis.degraded")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => values.Add(value));
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }
}
