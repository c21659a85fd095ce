using Microsoft.Extensions.Logging;
using StreamHeal.Dev.BigQuery;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.Kafka;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using Xunit;
using StreamHeal.Flow;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>
/// A fake BigQuery and the production sink pointed at it (REST and gRPC, no auth); exactly-once checkpoints go to a
/// fresh topic on the shared mock cluster. Batches are made of <see cref="BigQueryTestRows.Columns"/> rows.
/// </summary>
internal sealed class BigQuerySinkScope : IAsyncDisposable
{
    public const string Table = "orders";

    private BigQuerySinkScope(FakeBigQuery fake, KafkaOptions kafka, BigQuerySinkOptions options, ILoggerFactory loggers)
    {
        Fake = fake;
        Kafka = kafka;
        Options = options;
        Loggers = loggers;
    }

    public FakeBigQuery Fake { get; }

    public KafkaOptions Kafka { get; }

    public BigQuerySinkOptions Options { get; }

    public ILoggerFactory Loggers { get; }

    public TopicHolds Holds { get; } = new();

    public string TablePath => Options.TablePath(Table);

    public static async Task<BigQuerySinkScope> StartAsync(
        KafkaClusterFixture kafka, ILoggerFactory loggers, string delivery, Action<BigQuerySinkOptions>? configure = null, FakeBigQueryOptions? fakeOptions = null)
    {
        var fake = await FakeBigQuery.StartAsync(fakeOptions ?? new FakeBigQueryOptions { SchemaPropagationDelay = TimeSpan.FromSeconds(1) });
        var options = For(fake, delivery);
        configure?.Invoke(options);
        var group = KafkaClusterFixture.NewGroupId("bq-sink");
        var kafkaOptions = new KafkaOptions { BootstrapServers = kafka.BootstrapServers, GroupId = group, Topics = [Table] };
        // The mock cluster has no controller for CreateTopics: make the checkpoint topic the way an operator would.
        kafka.Cluster.CreateTopic(options.CheckpointTopicFor(group), 1);
        return new BigQuerySinkScope(fake, kafkaOptions, options, loggers);
    }

    /// <summary>Sink options pointing at <paramref name="fake"/>, polling fast for new columns.</summary>
    public static BigQuerySinkOptions For(FakeBigQuery fake, string delivery)
    {
        var options = fake.SinkOptions(delivery);
        options.SchemaPollInterval = TimeSpan.FromMilliseconds(200);
        return options;
    }

    /// <summary>A new sink instance, as a restarted process would build it: nothing shared with earlier ones but the checkpoint topic.</summary>
    public async Task<BigQuerySink> OpenAsync()
    {
        var sink = await BigQuerySinkFactory.CreateAsync(Options, Kafka, Holds, TimeProvider.System, Loggers, CancellationToken.None);
        await sink.EnsureTableAsync(Table, BigQueryTestRows.Columns, CancellationToken.None);
        return sink;
    }

    /// <summary>Rows for Kafka offsets <paramref name="first"/>.., partition <paramref name="partition"/>; <paramref name="pad"/> characters of filler make rows big.</summary>
    public static SinkBatch Batch(int first, int count, int partition = 0, int pad = 0) =>
        new(Table, Table, BigQueryTestRows.Columns, [.. Enumerable.Range(first, count).Select(offset => Row(partition, offset, pad))]);

    public static SinkRow Row(int partition, long offset, int pad = 0)
    {
        var row = new FlatRow();
        row.Add("name", FieldValue.FromString(pad > 0 ? $"row{offset}-{new string('x', pad)}" : $"row{offset}"));
        row.Add("n", FieldValue.FromInt64(offset * 10));
        row.Add("day", FieldValue.FromString("2026-11-25"));
        return new SinkRow(partition, offset, DateTimeOffset.UnixEpoch.AddSeconds(offset), row);
    }

    /// <summary>Writes like the sink stage does: the same batch again, as its next attempt, after every transient failure, until it goes through.</summary>
    public static async Task<SinkBatchResult> WriteUntilDoneAsync(ISink sink, SinkBatch batch, int maxTries = 50)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await sink.WriteAsync(batch with { Attempt = attempt - 1 }, CancellationToken.None);
            }
            catch (SinkUnavailableException) when (attempt < maxTries)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>How many times the fake holds each (partition, offset) of the table.</summary>
    public IReadOnlyDictionary<(long Partition, long Offset), int> Counts() => Fake.Store.CountsByPartitionOffset(TablePath);

    public static void AssertEachOnce(IReadOnlyDictionary<(long Partition, long Offset), int> counts, int partition, int first, int count)
    {
        for (long offset = first; offset < first + count; offset++)
        {
            Assert.True(counts.TryGetValue((partition, offset), out var n) && n == 1, $"partition {partition} offset {offset} is held {n} times");
        }
    }

    public async ValueTask DisposeAsync() => await Fake.DisposeAsync();
}

internal static class FakeBigQueryRawWrites
{
    /// <summary>Appends <paramref name="batch"/> to <paramref name="stream"/> at <paramref name="offset"/> as another writer would, and returns the answer's status.</summary>
    public static async Task<Grpc.Core.StatusCode> AppendAsRawWriterAsync(this FakeBigQuery fake, string stream, SinkBatch batch, long offset)
    {
        using var client = new BigQueryWriteClient(new BigQueryWriteOptions { Endpoint = fake.WriteEndpoint });
        var layout = new BigQueryRowLayout(batch.Columns);
        using var encoded = BigQueryBatchEncoder.Encode(new BigQueryRowEncoder(layout), batch, DateTimeOffset.UtcNow, 1 << 20);
        await using var connection = await client.OpenAppendAsync(stream, layout, CancellationToken.None);
        var response = await connection.AppendAsync(encoded, encoded.Chunks.Single(), offset, CancellationToken.None);
        return response.Error is { } error ? (Grpc.Core.StatusCode)error.Code : Grpc.Core.StatusCode.OK;
    }
}
