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

        public ConcurrentQueue<(string Table, string Column, string Type)> ColumnsAdded { get; } = new();

        public ConcurrentQueue<(string Table, string Field, string From, string To, int Partition, long Offset, string Value)> TypeFlips { get; } = new();

        public void ColumnAdded(string table, string column, string type) => ColumnsAdded.Enqueue((table, column, type));

        public void TypeFlip(string table, string field, string from, string to, int partition, long offset, string value) =>
            TypeFlips.Enqueue((table, field, from, to, partition, offset, value));
    }

    [Fact]
    public async Task The_pipeline_reports_a_sink_outage_added_columns_and_type_flips_to_its_observer_and_no_failure_when_it_heals()
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

        // The table started empty: every column it has now was added by this run and told once, with its type.
        var columns = await sink.EnsureTableAsync(scenario.Table, [], CancellationToken.None);
        var added = observer.ColumnsAdded.ToList();
        Assert.All(added, a => Assert.Equal(scenario.Table, a.Table));
        Assert.Equal(added.Count, added.Select(static a => a.Column).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.NotEmpty(columns);
        Assert.Equal(
            columns.Select(static c => (c.Name, StreamHeal.Tables.ColumnTypeNames.SqlName(c.Type))).Order(),
            added.Select(static a => (a.Column, a.Type)).Order());

        // The demo's events flip types; each (field, from -> to) is told once, with the record that first brought it.
        var flips = observer.TypeFlips.ToList();
        Assert.NotEmpty(flips);
        Assert.Equal(flips.Count, flips.Select(static f => (f.Field, f.From, f.To)).Distinct().Count());
        Assert.All(flips, f =>
        {
            Assert.Equal(scenario.Table, f.Table);
            Assert.NotEqual(f.From, f.To);
            Assert.Contains((f.Partition, f.Offset), produced);
            Assert.False(string.IsNullOrEmpty(f.Value));
        });
    }
}
