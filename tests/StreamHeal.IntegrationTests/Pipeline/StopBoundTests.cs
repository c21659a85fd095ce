using StreamHeal.TestSupport;
using System.Diagnostics;
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
