using StreamHeal.TestSupport;
using System.Net;
using System.Text.Json;
using StreamHeal.Hosting;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.Pipeline;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Host;

/// <summary>The endpoint in front of real pipelines on the mock cluster.</summary>
[Collection(KafkaCollection.Name)]
public sealed class HealthProbeTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task Ready_is_503_until_the_partition_is_assigned_and_a_replica_without_partitions_is_not_ready()
    {
        await using var scenario = new PipelineScenario(kafka, output, "ready", partitions: 1);
        await using var sink = scenario.OpenSink();
        await using var first = new IngestionPipeline(scenario.Settings(), sink, scenario.Loggers);
        await using var endpoint = await HealthEndpoint.StartAsync(new HealthOptions(), () => first.Status, scenario.Loggers, port: 0);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{endpoint.EndPoint.Port}"), Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusCodeAsync(http, HealthEndpoint.ReadyPath));
        Assert.Equal(HttpStatusCode.OK, await StatusCodeAsync(http, HealthEndpoint.LivePath));

        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => first.RunAsync(stop.Token));
        await Eventually.Until(async () => await StatusCodeAsync(http, HealthEndpoint.ReadyPath) == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "/health/ready answering 200");
        using (var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri(HealthEndpoint.ReadyPath, UriKind.Relative))))
        {
            Assert.True(ready.RootElement.GetProperty("sink_reconciled").GetBoolean());
            Assert.Equal(1, ready.RootElement.GetProperty("assigned_partitions").GetInt32());
            Assert.Equal("running", ready.RootElement.GetProperty("poll_loop").GetString());
            Assert.False(ready.RootElement.GetProperty("degraded").GetBoolean());
        }

        // A second replica on a one-partition topic: one of the two owns it, the other runs idle.
        var second = scenario.Start(sink);
        try
        {
            // Each check reads each replica once; the rules below judge the idle one's snapshot, whatever the group does next.
            PipelineStatus? idle = null;
            await Eventually.Until(
                () =>
                {
                    var (a, b) = (first.Status, second.Pipeline.Status);
                    var settled = a.AssignedPartitions + b.AssignedPartitions == 1 && a.PollLoopAlive && b.PollLoopAlive && a.SinkReconciled && b.SinkReconciled;
                    idle = settled ? (a.Assigned ? b : a) : null;
                    return idle is not null;
                },
                TimeSpan.FromSeconds(60),
                "the partition owned by exactly one of two running replicas");
            Assert.Equal("no partitions assigned", HealthRules.WhyNotReady(idle!));
            Assert.Null(HealthRules.WhyNotLive(idle!));
            Assert.False(idle!.Degraded);

            // The answer and the body come from one snapshot, so they agree even while the group rebalances.
            using var response = await http.GetAsync(new Uri(HealthEndpoint.ReadyPath, UriKind.Relative));
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(body.RootElement.GetProperty("assigned").GetBoolean() ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(HttpStatusCode.OK, await StatusCodeAsync(http, HealthEndpoint.LivePath));
        }
        finally
        {
            await second.Stop.CancelAsync();
            await second.Running;
            second.Stop.Dispose();
            await second.Pipeline.DisposeAsync();
        }

        // Asked to stop: not ready any more, but a drained, stopped poll loop is not a dead one.
        await stop.CancelAsync();
        await running;
        Assert.Equal(PollLoopState.Ended, first.Status.PollLoop);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusCodeAsync(http, HealthEndpoint.ReadyPath));
        Assert.Equal(HttpStatusCode.OK, await StatusCodeAsync(http, HealthEndpoint.LivePath));
    }

    private static async Task<HttpStatusCode> StatusCodeAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return response.StatusCode;
    }
}
