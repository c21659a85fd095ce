using StreamHeal.TestSupport;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StreamHeal.Dev.Kafka;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Pipeline;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.DuckDb;
using Xunit;
using Xunit.Abstractions;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.Pipeline;

/// <summary>Stopping is bounded even when a dependency is stuck in a call that ignores cancellation.</summary>
[Collection(KafkaCollection.Name)]
public sealed class StopBoundTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    // Drain (set to 2 s below) + the pipeline's 30 s stop bound + the consumer's close, the DLQ producer's close and
    // DuckDB's 10 s close, with room for a loaded machine. Before the bounds, the sink's close never returned.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task A_sink_whose_write_never_returns_still_lets_the_pipeline_and_the_sink_stop_within_the_bound()
    {
        await using var scenario = new PipelineScenario(kafka, output, "stuck-sink", partitions: 2);
        var produce = scenario.ProduceAsync(20_000, seed: 31, poisonShare: 0);
        using var clock = new StallingClock();
        var sink = new DuckDbSink(new DuckDbSinkOptions { Path = scenario.DatabasePath }, clock, scenario.Loggers.CreateLogger("StreamHeal.Sink.DuckDb"));
        var settings = scenario.Settings() with { Pipeline = new PipelineOptions { DrainTimeout = TimeSpan.FromSeconds(2) } };
        var run = scenario.Start(sink, settings);
        await Eventually.Until(() => run.Pipeline.Metrics.Sunk > 0, TimeSpan.FromSeconds(60), "a first batch written");

        clock.Stall();
        await clock.Stalled.WaitAsync(TimeSpan.FromSeconds(60));
        var stopping = Stopwatch.StartNew();
        await run.Stop.CancelAsync();
        var stopped = StopAsync(run.Running, sink);

        await stopped.WaitAsync(Bound);
        output.WriteLine($"pipeline and sink stopped {stopping.Elapsed.TotalSeconds:0.0} s after the stop");
        Assert.True(stopped.IsCompletedSuccessfully);

        // The stuck call returns; the file can then be closed for good.
        clock.Release();
        await produce;
        await sink.DisposeAsync();
    }

    [Fact]
    public async Task Closing_a_DuckDB_sink_with_a_stuck_write_returns_within_its_bound_and_refuses_new_calls()
    {
        var directory = Directory.CreateTempSubdirectory("streamheal-test-").FullName;
        using var clock = new StallingClock();
        var sink = new DuckDbSink(new DuckDbSinkOptions { Path = Path.Combine(directory, "sink.duckdb") }, clock);
        try
        {
            await sink.WriteAsync(Batch(0), CancellationToken.None);
            clock.Stall();
            var write = sink.WriteAsync(Batch(1), CancellationToken.None).AsTask();
            await clock.Stalled.WaitAsync(TimeSpan.FromSeconds(60));

            var closing = Stopwatch.StartNew();
            await sink.DisposeAsync().AsTask().WaitAsync(DuckDbSink.DisposeTimeout * 6);
            output.WriteLine($"closed after {closing.Elapsed.TotalSeconds:0.0} s");

            Assert.False(write.IsCompleted);
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await sink.WriteAsync(Batch(2), CancellationToken.None));
            clock.Release();
            await write.WaitAsync(TimeSpan.FromSeconds(60));
            await sink.DisposeAsync();
        }
        finally
        {
            clock.Release();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_dlq_stage_still_sending_past_the_stop_bound_keeps_its_producer_open_and_the_pipeline_still_stops()
    {
        await using var scenario = new PipelineScenario(kafka, output, "stuck-dlq", partitions: 2);
        await scenario.ProduceAsync(4_000, seed: 32, poisonShare: 0.05);
        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        HangingDeadLetterProducer? control = null;
        await using var sink = scenario.OpenSink();
        var pipeline = new IngestionPipeline(scenario.Settings() with { Pipeline = new PipelineOptions { DrainTimeout = TimeSpan.FromSeconds(1) } }, sink, loggers)
        {
            StopTimeout = TimeSpan.FromSeconds(2),
            DeadLetterProducerWrapper = inner =>
            {
                var (producer, hanging) = HangingDeadLetterProducer.Wrap(inner);
                control = hanging;
                return producer;
            },
        };
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => pipeline.RunAsync(stop.Token));
        try
        {
            // Healthy first: dead letters are acknowledged and rows written.
            await Eventually.Until(() => pipeline.Metrics.DeadLettered > 0 && pipeline.Metrics.Sunk > 0, TimeSpan.FromSeconds(60), "dead letters sent and rows sunk");
            Assert.NotNull(control);
            Assert.False(control.Disposed);
            control.Hang();
            await scenario.ProduceAsync(2_000, seed: 33, poisonShare: 0.5);
            await Eventually.Until(() => control.Hanging > 0, TimeSpan.FromSeconds(60), "a DLQ send hanging");

            var stopping = Stopwatch.StartNew();
            await stop.CancelAsync();
            await StopAsync(running, sink).WaitAsync(Bound);
            output.WriteLine($"stopped {stopping.Elapsed.TotalSeconds:0.0} s after the stop with {control.Hanging} DLQ sends hanging");

            // Disposing the producer under a stage still sending through it is what used to crash or hang the exit.
            Assert.False(control.Disposed, "the DLQ producer was disposed while the DLQ stage was still sending through it");
            Assert.Contains(logs.Entries, e => e.Message.Contains("still sending through it after the stop bound", StringComparison.Ordinal));
        }
        finally
        {
            if (control is not null)
            {
                await control.CloseAsync(TimeSpan.FromSeconds(60));
            }
        }
    }

    // Two members stopped at the same moment: one still waiting for its DLQ probe threw TaskCanceledException.
    [Fact]
    public async Task A_stop_while_the_dlq_probe_waits_for_its_acknowledgement_is_a_clean_stop()
    {
        await using var scenario = new PipelineScenario(kafka, output, "stop-in-probe", partitions: 1);
        await using var sink = scenario.OpenSink();
        // The DLQ broker refuses produce requests (retriably), so the start-up probe waits.
        kafka.Cluster.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(Confluent.Kafka.ErrorCode.NotEnoughReplicas, 50).ToArray());
        try
        {
            var run = scenario.Start(sink);
            Assert.False(run.Running.IsCompleted);
            await run.Stop.CancelAsync();

            await run.Running.WaitAsync(Bound);
            Assert.True(run.Running.IsCompletedSuccessfully);
            Assert.Equal(0, run.Pipeline.Metrics.Polled);
        }
        finally
        {
            kafka.Cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }
    }

    private static async Task StopAsync(Task running, ISink sink)
    {
        try
        {
            await running;
        }
        catch (PipelineFailedException)
        {
            // How the pipeline ends is not this test's concern; that it ends is.
        }

        await sink.DisposeAsync();
    }

    private static SinkBatch Batch(long offset)
    {
        var row = new FlatRow(1);
        row.Add("id", FieldValue.FromInt64(offset));
        return new SinkBatch("events", "events", [new TableColumn("id", ColumnType.Int64)], [new SinkRow(0, offset, DateTimeOffset.UnixEpoch, row)]);
    }
}
