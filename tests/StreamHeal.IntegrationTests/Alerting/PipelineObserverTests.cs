using StreamHeal.TestSupport;
using System.Collections.Concurrent;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Pipeline;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Alerting;

[Collection(KafkaCollection.Name)]
public sealed class PipelineObserverTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private sealed class RecordingObserver : IPipelineObserver
    {
        public ConcurrentQueue<(string Sink, string Error)> SinkRetries { get; } = new();

        public ConcurrentQueue<string> Failures { get; } = new();

        public void SinkRetry(string sink, string error) => SinkRetries.Enqueue((sink, error));

        public void DeadLetterRetry(string error)
        {
        }

        public void Failed(string reason) => Failures.Enqueue(reason);
    }

    [Fact]
    public async Task The_pipeline_reports_a_sink_outage_to_its_observer_and_no_failure_when_it_heals()
    {
        await using var scenario = new PipelineScenario(kafka, output, "observer", partitions: 2);
        var produced = await scenario.ProduceAsync(2_000, seed: 31);
        await using var sink = new FlakySink(scenario.OpenSink()) { Down = true };
        var observer = new RecordingObserver();

        var run = scenario.Start(sink, observer: observer);
        await Eventually.Until(() => observer.SinkRetries.Count >= 2, TimeSpan.FromSeconds(30), "the observer to hear of sink retries");
        sink.Down = false;
        await scenario.WaitForCommittedEndAsync(TimeSpan.FromSeconds(60));
        await run.Stop.CancelAsync();
        await run.Running;

        Assert.All(observer.SinkRetries, static r => Assert.Equal("duckdb", r.Sink));
        Assert.All(observer.SinkRetries, static r => Assert.False(string.IsNullOrEmpty(r.Error)));
        Assert.Empty(observer.Failures);
        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }
}
