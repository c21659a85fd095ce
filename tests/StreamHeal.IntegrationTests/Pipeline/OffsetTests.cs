using StreamHeal.TestSupport;
using Confluent.Kafka;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.Dev.Kafka;
using StreamHeal.Kafka;
using StreamHeal.Pipeline;
using Microsoft.Extensions.Logging;
using StreamHeal.Sink.DuckDb;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Pipeline;

[Collection(KafkaCollection.Name)]
public sealed class OffsetTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task A_committed_offset_that_is_gone_from_the_broker_is_reported_and_consumption_restarts_per_start_from()
    {
        await using var scenario = new PipelineScenario(kafka, output, "offset-reset", partitions: 2);
        var produced = await scenario.ProduceAsync(2_000, seed: 31);
        using (var committer = new ConsumerBuilder<byte[], byte[]>(KafkaTestSettings.Consumer(scenario.BootstrapServers, scenario.Group)).Build())
        {
            // An offset far past the end, as after a topic was recreated: the broker answers OFFSET_OUT_OF_RANGE.
            committer.Commit([new TopicPartitionOffset(scenario.Topic, 0, 1_000_000)]);
        }

        await using (var sink = scenario.OpenSink())
        {
            var run = scenario.Start(sink);
            await PipelineScenario.WaitForDoneAsync(produced.Length, TimeSpan.FromSeconds(60), run.Pipeline);
            Assert.Equal(1, run.Pipeline.Metrics.OffsetResets);
            Assert.Equal(1, run.Pipeline.Status.OffsetResets);
            await run.Stop.CancelAsync();
            await run.Running;
        }

        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    /// <summary>
    /// Every partition's committed offset gone at once, as after a long idle spell: resetting one sets the whole
    /// assignment again, which must put each partition already reset at its new start, not at its old offset.
    /// </summary>
    [Fact]
    public async Task Committed_offsets_gone_on_every_partition_at_once_are_each_reset_once()
    {
        await using var scenario = new PipelineScenario(kafka, output, "offset-reset-all", partitions: 4);
        var produced = await scenario.ProduceAsync(2_000, seed: 35, poisonShare: 0);
        using (var committer = new ConsumerBuilder<byte[], byte[]>(KafkaTestSettings.Consumer(scenario.BootstrapServers, scenario.Group)).Build())
        {
            committer.Commit([.. Enumerable.Range(0, scenario.Partitions).Select(p => new TopicPartitionOffset(scenario.Topic, p, 1_000_000))]);
        }

        await using (var sink = scenario.OpenSink())
        {
            var run = scenario.Start(sink);
            await PipelineScenario.WaitForDoneAsync(produced.Length, TimeSpan.FromSeconds(60), run.Pipeline);
            Assert.Equal(scenario.Partitions, run.Pipeline.Metrics.OffsetResets);
            await run.Stop.CancelAsync();
            await run.Running;
        }

        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    /// <summary>
    /// A broker may answer OFFSET_OUT_OF_RANGE for an offset it still holds (a leader that changed under the fetch, a
    /// replica behind). That is no reset: with kafka.startFrom=latest a reset would skip the rest of the partition.
    /// </summary>
    [Fact]
    public async Task Out_of_range_for_an_offset_the_broker_still_holds_skips_nothing_and_reads_nothing_twice()
    {
        // A cluster of its own: the injected errors go to whichever client fetches next.
        var cluster = new KafkaClusterFixture();
        try
        {
            await using var scenario = new PipelineScenario(cluster, output, "out-of-range-held", partitions: 2);
            var first = await scenario.ProduceAsync(1_000, seed: 36, poisonShare: 0);
            using (var committer = new ConsumerBuilder<byte[], byte[]>(KafkaTestSettings.Consumer(scenario.BootstrapServers, scenario.Group)).Build())
            {
                committer.Commit([.. Enumerable.Range(0, scenario.Partitions).Select(p => new TopicPartitionOffset(scenario.Topic, p, 0))]);
            }

            var settings = scenario.Settings();
            settings.Kafka.StartFrom = StartFrom.Latest;
            await using var sink = scenario.OpenSink();
            var run = scenario.Start(sink, settings);
            await Eventually.Until(() => run.Pipeline.Metrics.Sunk > 0, TimeSpan.FromSeconds(30), "rows before the errors");

            cluster.Cluster.PushRequestErrors(KafkaApiKey.Fetch, Enumerable.Repeat(ErrorCode.OffsetOutOfRange, 6).ToArray());
            var second = await scenario.ProduceAsync(1_000, seed: 37, poisonShare: 0);
            await PipelineScenario.WaitForDoneAsync(first.Length + second.Length, TimeSpan.FromSeconds(60), run.Pipeline);

            Assert.True(run.Pipeline.Metrics.KafkaConditions > 0, "the broker's errors should have reached the pipeline");
            Assert.Equal(0, run.Pipeline.Metrics.OffsetResets);
            Assert.Equal(first.Length + second.Length, run.Pipeline.Metrics.Sunk);
            await Eventually.Until(() => !run.Pipeline.Status.Degraded, TimeSpan.FromSeconds(30), "DEGRADED to clear once records flow");
            await run.Stop.CancelAsync();
            await run.Running;
            PipelineScenario.AssertOk(await scenario.VerifyAsync([.. first, .. second]));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// librdkafka reports an offset-reset error once and leaves the partition's fetcher stopped, so a reset the loop
    /// could not do then (the broker did not give the partition's watermarks) must be asked for again by the loop.
    /// </summary>
    [Fact]
    public async Task A_reset_whose_watermarks_the_broker_did_not_give_is_asked_for_again_and_the_partition_is_read_on()
    {
        var cluster = new KafkaClusterFixture();
        try
        {
            await using var scenario = new PipelineScenario(cluster, output, "reset-deferred", partitions: 1);
            var first = await scenario.ProduceAsync(500, seed: 40, poisonShare: 0);
            var logs = new CapturingLoggerProvider();
            using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
            await using var sink = scenario.OpenSink();
            var pipeline = new IngestionPipeline(scenario.Settings(), sink, loggers);
            using var stop = new CancellationTokenSource();
            var running = Task.Run(() => pipeline.RunAsync(stop.Token));
            await PipelineScenario.WaitForDoneAsync(first.Length, TimeSpan.FromSeconds(60), pipeline);

            cluster.Cluster.PushRequestErrors(KafkaApiKey.ListOffsets, Enumerable.Repeat(ErrorCode.TopicAuthorizationFailed, 2).ToArray());
            cluster.Cluster.PushRequestErrors(KafkaApiKey.Fetch, ErrorCode.OffsetOutOfRange);
            var second = await scenario.ProduceAsync(500, seed: 41, poisonShare: 0);
            await PipelineScenario.WaitForDoneAsync(first.Length + second.Length, TimeSpan.FromSeconds(60), pipeline);

            Assert.Contains(logs.Lines, l => l.Contains("reading the partition's watermarks to reset it failed", StringComparison.Ordinal));
            Assert.Equal(0, pipeline.Metrics.OffsetResets);
            await stop.CancelAsync();
            await running;
            PipelineScenario.AssertOk(await scenario.VerifyAsync([.. first, .. second]));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// With startFrom=latest a partition that starts "where the broker says" could start at the end, past what arrived
    /// since the commit. An error the client retries (unstable offsets) and one it does not (authorization: the pipeline
    /// reads no committed offsets and leaves the start to the client, which asks again) both start at the commits.
    /// </summary>
    [Theory]
    [InlineData(ErrorCode.GroupAuthorizationFailed)]
    [InlineData(ErrorCode.UnstableOffsetCommit)]
    public async Task Errors_reading_the_committed_offsets_on_a_rejoin_start_no_partition_anywhere_else(ErrorCode error)
    {
        var cluster = new KafkaClusterFixture();
        try
        {
            await using var scenario = new PipelineScenario(cluster, output, "offset-fetch", partitions: 2);
            var first = await scenario.ProduceAsync(1_000, seed: 38, poisonShare: 0);
            using (var committer = new ConsumerBuilder<byte[], byte[]>(KafkaTestSettings.Consumer(scenario.BootstrapServers, scenario.Group)).Build())
            {
                committer.Commit([.. Enumerable.Range(0, scenario.Partitions).Select(p => new TopicPartitionOffset(scenario.Topic, p, 0))]);
            }

            var settings = scenario.Settings();
            settings.Kafka.StartFrom = StartFrom.Latest;
            await using var sink = scenario.OpenSink();
            var run = scenario.Start(sink, settings);
            await PipelineScenario.WaitForDoneAsync(first.Length, TimeSpan.FromSeconds(60), run.Pipeline);
            var rebalances = run.Pipeline.Metrics.Rebalances("assigned");

            cluster.Cluster.PushRequestErrors(KafkaApiKey.OffsetFetch, Enumerable.Repeat(error, 8).ToArray());
            cluster.Cluster.PushRequestErrors(KafkaApiKey.Heartbeat, ErrorCode.RebalanceInProgress);
            var second = await scenario.ProduceAsync(1_000, seed: 39, poisonShare: 0);
            await Eventually.Until(() => run.Pipeline.Metrics.Rebalances("assigned") > rebalances, TimeSpan.FromSeconds(30), "the member to rejoin");
            await PipelineScenario.WaitForDoneAsync(first.Length + second.Length, TimeSpan.FromSeconds(60), run.Pipeline);
            Assert.Equal(0, run.Pipeline.Metrics.OffsetResets);
            await run.Stop.CancelAsync();
            await run.Running;
            PipelineScenario.AssertOk(await scenario.VerifyAsync([.. first, .. second]));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Records_dropped_by_retention_before_they_were_read_are_counted_as_skipped()
    {
        await using var scenario = new PipelineScenario(kafka, output, "retention", partitions: 1);
        var events = new StreamHeal.Dev.Demo.SyntheticEvents(seed: 34, poisonShare: 0);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(scenario.BootstrapServers)).Build())
        {
            // Uncompressed and well over the mock's 5 MiB per partition, so the oldest records are dropped.
            for (var i = 0; i < 25_000; i++)
            {
                producer.Produce(scenario.Topic, new Message<byte[]?, byte[]?> { Value = events.ValueAt(i, 25_000) });
                if (i % 1_000 == 0)
                {
                    producer.Poll(TimeSpan.Zero);
                }
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        var watermarks = await TopicWatermarks.QueryAsync(scenario.BootstrapServers, scenario.Topic);
        var low = watermarks.Partitions[0].Low;
        Assert.True(low > 0, "the mock should have dropped the oldest records");
        using (var committer = new ConsumerBuilder<byte[], byte[]>(KafkaTestSettings.Consumer(scenario.BootstrapServers, scenario.Group)).Build())
        {
            committer.Commit([new TopicPartitionOffset(scenario.Topic, 0, 0)]);
        }

        await using var sink = scenario.OpenSink();
        var run = scenario.Start(sink);
        await PipelineScenario.WaitForDoneAsync(watermarks.Partitions[0].Count, TimeSpan.FromSeconds(60), run.Pipeline);
        Assert.Equal(1, run.Pipeline.Metrics.OffsetResets);
        Assert.Equal(low, run.Pipeline.Metrics.OffsetResetSkipped);
        Assert.Equal(watermarks.Partitions[0].Count, run.Pipeline.Metrics.Sunk);
        await run.Stop.CancelAsync();
        await run.Running;
        scenario.AssertNoLeaks();
    }

    [Fact]
    public async Task Start_from_latest_skips_what_was_there_before_the_group_existed()
    {
        await using var scenario = new PipelineScenario(kafka, output, "latest", partitions: 2);
        await scenario.ProduceAsync(500, seed: 32, poisonShare: 0);
        var settings = scenario.Settings();
        settings.Kafka.StartFrom = StartFrom.Latest;
        await using (var sink = scenario.OpenSink())
        {
            var run = scenario.Start(sink, settings);
            // The pipeline makes "latest" an offset when it takes the partitions, so everything produced once they are
            // reported is read, even before the client's first fetch.
            await Eventually.Until(() => run.Pipeline.Status.AssignedPartitions == 2, TimeSpan.FromSeconds(30), "assignment");
            var later = await scenario.ProduceAsync(300, seed: 33, poisonShare: 0);
            await PipelineScenario.WaitForDoneAsync(300, TimeSpan.FromSeconds(60), run.Pipeline);
            await run.Stop.CancelAsync();
            await run.Running;
            Assert.Equal(300, run.Pipeline.Metrics.Sunk);
            scenario.AssertNoLeaks();
        }

        using var reader = new DuckDbTableReader(scenario.DatabasePath);
        Assert.Equal(300, reader.CountRows(scenario.Table));
    }
}
