using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using StreamHeal.Alerting;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Telemetry;
using StreamHeal.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Alerting;

/// <summary>
/// Redis killed with SIGKILL while a pipeline ingests and alerts flow: ingestion keeps its pace, alerts are throttled
/// in-process and <c>streamheal_degraded{dependency="redis"}</c> is 1; once Redis is back, throttling is shared again
/// within 5 s and the gauge returns to 0.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class RedisOutageTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private const string Group = "alerts-redis-outage";
    private const int Events = 60_000;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Redis_killed_mid_run_leaves_ingestion_at_pace_throttles_in_process_and_shared_throttling_resumes_within_5_s()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var receiver = await AlertReceiver.StartAsync();
        using var metricsA = new PipelineMetrics();
        using var metricsB = new PipelineMetrics();
        await using var a = await StartAsync(redis, receiver, "replica-a", metricsA);
        await using var b = await StartAsync(redis, receiver, "replica-b", metricsB);
        Assert.Equal("0,0", string.Join(",", RedisDegradedGauge()));

        await using var scenario = new PipelineScenario(kafka, output, "redis-outage", partitions: 8);
        await scenario.ProduceAsync(Events, seed: 77, poisonShare: 0);
        // A sink with a steady cost per row keeps the pipeline busy through the whole run: into a sink that costs
        // nothing, the 60,000 events took about 0.1 s, so the second half ended while the test still waited for the
        // stores to notice the kill, and its rate measured that wait.
        await using var sink = new PacedSink(TimeSpan.FromMicroseconds(25));
        // Replica a's pipeline raises its own incidents (first-seen columns and type flips) into its dispatcher.
        var incidents = new PipelineIncidents(a.Raise, new AlertOptions(), TimeProvider.System, [scenario.Topic]);
        var run = scenario.Start(sink, observer: incidents);
        var pipeline = run.Pipeline;

        // First half: from the first tenth (the group joined, the pipeline warmed up) to half way.
        var (warmAt, warmDone) = await SampleWhenAsync(pipeline, Events / 10);
        var (killAt, killDone) = await SampleWhenAsync(pipeline, Events / 2);
        await redis.KillAsync();
        // Sampled from now on, alongside the checks below, so the end is when the last record was done.
        var end = SampleWhenAsync(pipeline, Events);
        // Nothing was raised since the kill: the lost connection alone marks Redis degraded.
        await Eventually.Until(() => a.RedisStore!.Degraded && b.RedisStore!.Degraded, s_timeout, "both stores to notice the lost connection");
        var during = Critical("during-outage");
        var raising = Stopwatch.StartNew();
        for (var i = 0; i < 500; i++)
        {
            Assert.True(a.Raise(during));
            Assert.True(b.Raise(during));
        }

        // Raising never waits on Redis: 1,000 raises take far less than one Redis timeout.
        Assert.True(raising.Elapsed < TimeSpan.FromMilliseconds(250), $"1,000 raises took {raising.Elapsed.TotalMilliseconds:0} ms");
        var (endAt, endDone) = await end;
        await run.Stop.CancelAsync();
        await run.Running;

        var firstHalf = (killDone - warmDone) / (killAt - warmAt).TotalSeconds;
        var secondHalf = (endDone - killDone) / (endAt - killAt).TotalSeconds;
        output.WriteLine($"events/s: {firstHalf:0} before the kill, {secondHalf:0} after it");
        // Generous: the machine is shared and noisy; a pipeline waiting on Redis would fall far below half.
        Assert.True(secondHalf >= firstHalf * 0.5, $"ingestion slowed with Redis down: {firstHalf:0}/s before, {secondHalf:0}/s after");
        Assert.Equal(Events, Done(pipeline));

        await Eventually.Until(() => a.Metrics.Suppressed + b.Metrics.Suppressed >= 998, s_timeout, "the outage's incidents to be throttled in-process");
        await Eventually.Until(() => Notified(receiver, during.Key) >= 2, s_timeout, "one notification per replica");
        // Without Redis each replica throttles alone: one notification each, no more.
        Assert.Equal(2, Notified(receiver, during.Key));
        Assert.True(a.RedisStore!.Degraded && b.RedisStore!.Degraded);
        Assert.Equal("1,1", string.Join(",", RedisDegradedGauge()));
        // The pipeline's own incidents (the table's new columns) went through the same dispatcher.
        await Eventually.Until(
            () => receiver.BodiesAt("/hook").Any(static body => body.Contains("\"column_added\"", StringComparison.Ordinal)), s_timeout, "the pipeline's column_added notifications");

        await redis.RestartAsync();
        var back = await Eventually.Until(() => Task.FromResult(!a.RedisStore.Degraded && !b.RedisStore.Degraded), TimeSpan.FromSeconds(5), "both replicas to use Redis again");
        Assert.True(back <= TimeSpan.FromSeconds(5));
        Assert.Equal("0,0", string.Join(",", RedisDegradedGauge()));

        var after = Critical("after-restart");
        var suppressedBefore = a.Metrics.Suppressed + b.Metrics.Suppressed;
        for (var i = 0; i < 100; i++)
        {
            a.Raise(after);
            b.Raise(after);
        }

        await Eventually.Until(() => a.Metrics.Suppressed + b.Metrics.Suppressed >= suppressedBefore + 199, s_timeout, "the incidents after the restart");
        Assert.Equal(1, Notified(receiver, after.Key));
        await using var check = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        Assert.True(await check.GetDatabase().KeyExistsAsync(AlertThrottle.KeyFor(Group, after)));
    }

    private static async Task<AlertDispatcher> StartAsync(RedisServer redis, AlertReceiver receiver, string instance, PipelineMetrics metrics)
    {
        var alerts = await AlertService.StartAsync(
            new AlertOptions
            {
                Redis = redis.Configuration,
                Instance = instance,
                QueueCapacity = 4_096,
                Channels = [new AlertChannelOptions { Type = AlertChannelType.Webhook, Url = receiver.BaseUrl + "/hook", Name = "receiver" }],
            },
            Group, TimeProvider.System, NullLoggerFactory.Instance);
        alerts.ObserveDegraded(metrics);
        await Eventually.Until(() => !alerts.RedisStore!.Degraded, s_timeout, "the Redis store to connect");
        return alerts;
    }

    /// <summary>Records the pipeline finished (sunk, dead-lettered or skipped as tombstones).</summary>
    private static long Done(StreamHeal.Pipeline.IngestionPipeline pipeline) =>
        pipeline.Metrics.Sunk + pipeline.Metrics.DeadLettered + pipeline.Metrics.Tombstones;

    /// <summary>The time and the count of records done, taken together the first time at least <paramref name="done"/> are.</summary>
    private static async Task<(TimeSpan At, long Done)> SampleWhenAsync(StreamHeal.Pipeline.IngestionPipeline pipeline, long done)
    {
        var sample = (At: TimeSpan.Zero, Done: 0L);
        await Eventually.Until(
            () =>
            {
                var count = Done(pipeline);
                sample = (Stopwatch.GetElapsedTime(0), count);
                return count >= done;
            },
            TimeSpan.FromSeconds(60),
            $"{done} records done");
        return sample;
    }

    private static Incident Critical(string key) => IncidentCatalog.SinkDown(key, TimeSpan.FromMinutes(2), "refused", DateTimeOffset.UtcNow);

    private static int Notified(AlertReceiver receiver, string key) =>
        receiver.BodiesAt("/hook").Count(body =>
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.GetProperty("key").GetString() == key;
        });

    /// <summary>Every <c>streamheal.degraded{dependency="redis"}</c> series in this process (one per replica's metrics).</summary>
    internal static List<int> RedisDegradedGauge()
    {
        var values = new List<int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument is { Name: "streamheal.degraded", Meter.Name: PipelineMetrics.MeterName })
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "dependency", Value: Dependency.Redis })
                {
                    values.Add(value);
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }
}

/// <summary>Discards rows after a fixed cost per row: a destination with a steady pace, so a run lasts long enough to sample.</summary>
internal sealed class PacedSink(TimeSpan perRow) : StreamHeal.Sink.ISink
{
    public string Name => "paced";

    public bool WritesTablesConcurrently => false;

    public int BatchesInFlightPerTable => 1;

    public string? StatusLine => null;

    public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions)
    {
    }

    public ValueTask<IReadOnlyList<StreamHeal.Tables.TableColumn>> EnsureTableAsync(
        string table, IReadOnlyList<StreamHeal.Tables.TableColumn> columns, CancellationToken cancellationToken) => ValueTask.FromResult(columns);

    public async ValueTask<StreamHeal.Sink.SinkBatchResult> WriteAsync(StreamHeal.Sink.SinkBatch batch, CancellationToken cancellationToken)
    {
        // The destination's simulated cost, not a wait for a condition.
        await Task.Delay(perRow * batch.Rows.Count, cancellationToken);
        return StreamHeal.Sink.SinkBatchResult.AllWritten(batch.Rows.Count);
    }

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
