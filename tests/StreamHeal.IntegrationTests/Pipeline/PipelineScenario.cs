using StreamHeal.TestSupport;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Batch;
using StreamHeal.CompatFilter;
using StreamHeal.DeadLetter;
using StreamHeal.Decode;
using StreamHeal.Dev.Demo;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Kafka;
using StreamHeal.Pipeline;
using StreamHeal.Retry;
using StreamHeal.SchemaState;
using StreamHeal.Sink;
using StreamHeal.Sink.DuckDb;
using Xunit;
using Xunit.Abstractions;
using StreamHeal.Flow;
using StreamHeal.Tables;
using StreamHeal.Records;

namespace StreamHeal.IntegrationTests.Pipeline;

/// <summary>
/// One test's world: a fresh topic and DLQ topic on the shared mock cluster, a group id, a DuckDB file in a temp
/// folder, helpers to produce the demo's events, run pipelines and read the verdict back from the table and the DLQ.
/// </summary>
public sealed class PipelineScenario : IAsyncDisposable
{
    private readonly KafkaClusterFixture _kafka;
    private readonly string _directory;
    private readonly List<(IngestionPipeline Pipeline, Task Running)> _runs = [];
    private readonly HashSet<IngestionPipeline> _abandoned = [];

    public PipelineScenario(KafkaClusterFixture kafka, ITestOutputHelper output, string name, int partitions)
    {
        _kafka = kafka;
        Output = output;
        Partitions = partitions;
        Topic = kafka.NewTopic(name, partitions);
        // As many DLQ partitions as source partitions: oversized poison must not hit the mock's 5 MiB retention.
        kafka.Cluster.CreateTopic(Topic + ".dlq", partitions);
        Group = KafkaClusterFixture.NewGroupId(name);
        _directory = System.IO.Directory.CreateTempSubdirectory("streamheal-test-").FullName;
        DatabasePath = Path.Combine(_directory, "sink.duckdb");
        Loggers = TestOutputLoggerProvider.Factory(output, LogLevel.Information);
    }

    public ITestOutputHelper Output { get; }

    public string Topic { get; }

    public string Table => TableNames.ForTopic(Topic);

    public string Group { get; }

    public int Partitions { get; }

    public string DatabasePath { get; }

    public string Directory => _directory;

    public string BootstrapServers => _kafka.BootstrapServers;

    public ILoggerFactory Loggers { get; }

    public PipelineSettings Settings() => new(
        new KafkaOptions
        {
            BootstrapServers = _kafka.BootstrapServers,
            GroupId = Group,
            Topics = [Topic],
            SessionTimeoutMs = KafkaTestSettings.SessionTimeoutMs,
        },
        new PipelineOptions { DrainTimeout = TimeSpan.FromSeconds(20), RevokeDrainTimeout = TimeSpan.FromSeconds(3) },
        new DecodeOptions { MaxPayloadBytes = 64 * 1024 },
        new FlattenOptions(),
        new CompatFilterOptions(),
        new BatchOptions { MaxRows = 2_000, Linger = TimeSpan.FromMilliseconds(100) },
        new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(500), BreakDuration = TimeSpan.FromSeconds(1) },
        new DeadLetterOptions());

    public DuckDbSink OpenSink() => new(new DuckDbSinkOptions { Path = DatabasePath }, TimeProvider.System);

    /// <summary>Produces <paramref name="count"/> demo events (round-robin over partitions) and returns where each landed.</summary>
    public Task<(int Partition, long Offset)[]> ProduceAsync(int count, int seed, double poisonShare = 0.005) =>
        new DemoProducer(_kafka.BootstrapServers, Topic, Partitions, new SyntheticEvents(seed, poisonShare)).ProduceAsync(count, CancellationToken.None);

    /// <summary>Starts a pipeline; stop it by cancelling the returned source and awaiting the task.</summary>
    public (IngestionPipeline Pipeline, Task Running, CancellationTokenSource Stop) Start(
        ISink sink, PipelineSettings? settings = null, SchemaRegistrar? registrar = null, TopicHolds? holds = null, IPipelineObserver? observer = null)
    {
        var pipeline = new IngestionPipeline(settings ?? Settings(), sink, Loggers, registrar: registrar, holds: holds, observer: observer);
        var stop = new CancellationTokenSource();
        var running = Task.Run(() => pipeline.RunAsync(stop.Token));
        _runs.Add((pipeline, running));
        return (pipeline, running, stop);
    }

    /// <summary>
    /// Exempts a run stopped on purpose while records were stuck (its drain timed out) from the leak check: what it
    /// left in flight was never committed and is read again by the next run.
    /// </summary>
    public void Abandoned(IngestionPipeline pipeline) => _abandoned.Add(pipeline);

    /// <summary>
    /// The leak check every pipeline test ends with (run by the verify path): each run that stopped cleanly holds no
    /// record or byte in flight and no offset the tracker still waits on. Runs still going or that failed are the test's
    /// own business.
    /// </summary>
    public void AssertNoLeaks()
    {
        foreach (var (pipeline, running) in _runs.Where(r => r.Running.IsCompletedSuccessfully && !_abandoned.Contains(r.Pipeline)))
        {
            var status = pipeline.Status;
            Assert.True(
                status.InFlightRecords == 0 && status.InFlightBytes == 0 && pipeline.PendingOffsets == 0,
                $"leaked after stop: {status.InFlightRecords} records and {status.InFlightBytes} bytes in flight, {pipeline.PendingOffsets} offsets pending ({pipeline.Describe()})");
        }
    }

    /// <summary>Waits until the pipelines together finished <paramref name="count"/> records (sunk, replayed or dead-lettered).</summary>
    public static Task WaitForDoneAsync(long count, TimeSpan timeout, params IngestionPipeline[] pipelines) =>
        Eventually.Until(
            () => Done(pipelines) >= count,
            timeout,
            () => $"{count} records done, {Done(pipelines)} so far ({string.Join("; ", pipelines.Select(Where))})");

    private static string Where(IngestionPipeline pipeline) =>
        $"{pipeline.Describe()}; partitions: {string.Join(", ", pipeline.PartitionGauges.Select(g => $"[{g.Partition}] next {g.NextOffset} committable {g.CommittableOffset} lag {g.LagMessages}{(g.Paused ? " paused" : "")}"))}";

    private static long Done(IngestionPipeline[] pipelines) =>
        pipelines.Sum(p => p.Metrics.Sunk + p.Metrics.AlreadyWritten + p.Metrics.DeadLettered + p.Metrics.Tombstones);

    /// <summary>Waits until the group's committed offsets reach the end of every partition (read from the broker).</summary>
    public async Task WaitForCommittedEndAsync(TimeSpan timeout)
    {
        var watermarks = await TopicWatermarks.QueryAsync(_kafka.BootstrapServers, Topic);
        using var reader = new ConsumerBuilder<byte[], byte[]>(KafkaTestSettings.Consumer(_kafka.BootstrapServers, Group)).Build();
        var partitions = watermarks.Partitions.Select(p => new TopicPartition(Topic, p.Partition)).ToList();
        await Eventually.Until(
            () =>
            {
                var committed = reader.Committed(partitions, TimeSpan.FromSeconds(10));
                return committed.All(c => c.Offset.Value == watermarks.Partitions.Single(w => w.Partition == c.Partition.Value).High);
            },
            timeout,
            "committed offsets at the end of every partition");
    }

    /// <summary>The group's committed offset per partition, read from the broker (−1001 when none).</summary>
    public Dictionary<int, long> Committed()
    {
        using var reader = new ConsumerBuilder<byte[], byte[]>(KafkaTestSettings.Consumer(_kafka.BootstrapServers, Group)).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Topic, p)).ToList();
        return reader.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
    }

    /// <summary>The verdict, read back from the DuckDB file and the DLQ topic; asserts the mock dropped nothing.</summary>
    public async Task<IngestionVerdict> VerifyAsync(IReadOnlyCollection<(int Partition, long Offset)> produced)
    {
        var (rows, dlq) = await ReadBackAsync();
        var distinctDlq = dlq.Select(d => (d.OriginalPartition, d.OriginalOffset)).Distinct().ToList();
        var verdict = IngestionVerdict.Compute(produced, rows, distinctDlq);
        Output.WriteLine($"verdict: {verdict} (DLQ records {dlq.Count}, distinct {distinctDlq.Count})");
        return verdict;
    }

    /// <summary>
    /// Every row position in the DuckDB table and every DLQ record, duplicates included; asserts the mock dropped
    /// nothing and the stopped pipelines leaked nothing.
    /// </summary>
    public async Task<(IReadOnlyList<(int Partition, long Offset)> Rows, List<DeadLetterEntry> DeadLetters)> ReadBackAsync()
    {
        AssertNoLeaks();
        var watermarks = await TopicWatermarks.QueryAsync(_kafka.BootstrapServers, Topic);
        Assert.Empty(watermarks.DroppedByRetention());
        Assert.Empty((await TopicWatermarks.QueryAsync(_kafka.BootstrapServers, Topic + ".dlq")).DroppedByRetention());
        var dlq = DeadLetterReader.ReadAll(_kafka.BootstrapServers, Topic + ".dlq", TimeSpan.FromSeconds(60));
        IReadOnlyList<(int, long)> rows;
        using (var reader = new DuckDbTableReader(DatabasePath))
        {
            rows = reader.ReadPositions(Table);
        }

        return (rows, dlq);
    }

    public static void AssertOk(IngestionVerdict verdict)
    {
        Assert.Equal(0, verdict.Duplicates);
        Assert.Equal(0, verdict.Missing);
        Assert.Equal(verdict.Produced, verdict.Sunk + verdict.DeadLettered);
    }

    public ValueTask DisposeAsync()
    {
        Loggers.Dispose();
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold the file for a moment; the temp folder is cleaned by the OS.
        }

        return ValueTask.CompletedTask;
    }
}
