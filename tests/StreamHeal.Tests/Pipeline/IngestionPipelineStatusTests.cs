using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.Batch;
using StreamHeal.CompatFilter;
using StreamHeal.DeadLetter;
using StreamHeal.Decode;
using StreamHeal.Kafka;
using StreamHeal.Pipeline;
using StreamHeal.Retry;
using StreamHeal.Sink.DuckDb;
using Xunit;
using StreamHeal.Records;

namespace StreamHeal.Tests.Pipeline;

public sealed class IngestionPipelineStatusTests
{
    public static TheoryData<string> Clocks => ["system", "fake"];

    [Theory]
    [MemberData(nameof(Clocks))]
    public async Task A_pipeline_that_has_not_met_a_failing_dependency_is_not_degraded(string clock)
    {
        // Regression: the last-failure timestamp started at long.MinValue, and the elapsed time since it overflowed
        // to a negative span, so every fresh pipeline read as "failed just now".
        var time = clock == "fake" ? new FakeTimeProvider() : TimeProvider.System;
        await using var pipeline = NewPipeline(time);

        Assert.False(pipeline.Status.Degraded);
    }

    [Fact]
    public async Task Before_it_runs_nothing_reads_as_started_reconciled_assigned_or_stopping()
    {
        await using var pipeline = NewPipeline(new FakeTimeProvider());

        var status = pipeline.Status;
        Assert.Equal(PollLoopState.NotStarted, status.PollLoop);
        Assert.False(status.PollLoopAlive);
        Assert.False(status.SinkReconciled);
        Assert.False(status.Assigned);
        Assert.False(status.Stopping);
        Assert.False(status.Running);
    }

    private static IngestionPipeline NewPipeline(TimeProvider time) => new(
        new PipelineSettings(
            new KafkaOptions { BootstrapServers = "127.0.0.1:1", Topics = ["events"] },
            new PipelineOptions(), new DecodeOptions(), new FlattenOptions(), new CompatFilterOptions(), new BatchOptions(),
            new RetryOptions(), new DeadLetterOptions()),
        // Never opened: the status is read before the pipeline runs.
        new DuckDbSink(new DuckDbSinkOptions { Path = Path.Combine(Path.GetTempPath(), $"streamheal-unopened-{Guid.NewGuid():N}.duckdb") }, time),
        NullLoggerFactory.Instance,
        time);
}
