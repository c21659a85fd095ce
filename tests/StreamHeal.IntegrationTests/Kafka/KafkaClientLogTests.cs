using StreamHeal.TestSupport;
using Microsoft.Extensions.Logging;
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

namespace StreamHeal.IntegrationTests.Kafka;

public sealed class KafkaClientLogTests
{
    [Fact]
    public async Task The_DLQ_producer_reports_an_unreachable_broker_through_the_log()
    {
        var directory = Directory.CreateTempSubdirectory("streamheal-test-").FullName;
        using var capture = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(capture));
        // Nothing listens on port 1 of the loopback address: every connection is refused at once.
        var settings = new PipelineSettings(
            new KafkaOptions { BootstrapServers = "127.0.0.1:1", GroupId = "client-log", Topics = ["client-log"] },
            new PipelineOptions(),
            new DecodeOptions(),
            new FlattenOptions(),
            new CompatFilterOptions(),
            new BatchOptions(),
            new RetryOptions(),
            new DeadLetterOptions { StartupCheckTimeout = TimeSpan.FromSeconds(3) });
        try
        {
            await using var sink = new DuckDbSink(new DuckDbSinkOptions { Path = Path.Combine(directory, "sink.duckdb") }, TimeProvider.System);
            await using var pipeline = new IngestionPipeline(settings, sink, loggers);

            await Assert.ThrowsAsync<DeadLetterUnavailableException>(() => pipeline.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(120)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        Assert.Contains(capture.Entries, e => e.Category == "StreamHeal.Kafka" && e.EventId is 1650 or 1651 && e.Message.Contains("dlq-producer", StringComparison.Ordinal) && e.Message.Contains("127.0.0.1:1", StringComparison.Ordinal));
    }
}
