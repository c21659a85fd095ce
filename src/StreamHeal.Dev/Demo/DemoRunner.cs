using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Dev.Kafka;
using StreamHeal.Batch;
using StreamHeal.CompatFilter;
using StreamHeal.DeadLetter;
using StreamHeal.Decode;
using StreamHeal.Kafka;
using StreamHeal.Pipeline;
using StreamHeal.Retry;
using StreamHeal.SchemaRegistry;
using StreamHeal.SchemaState;
using StreamHeal.Flow;
using StreamHeal.Records;

namespace StreamHeal.Dev.Demo;

/// <summary>What the demo reports while it runs.</summary>
public sealed record DemoProgress(long Target, long Produced, long Done, long Sunk, long DeadLettered, long Lag, double EventsPerSecond);

/// <summary>The demo's final account: read back from the destination's table and the DLQ topic.</summary>
/// <param name="AvroEvents">Well-formed Avro events produced.</param>
/// <param name="DeadLetterTypes">DLQ records per error type, each (partition, offset) counted once.</param>
public sealed record DemoSummary(
    IngestionVerdict Verdict, TimeSpan Elapsed, IReadOnlyList<string> RetentionProblems, SchemaEvolution Schema,
    long AvroEvents, IReadOnlyDictionary<string, long> DeadLetterTypes)
{
    /// <summary>The registry subject holding the table's schema state.</summary>
    public string SchemaStateSubject { get; init; } = "";

    /// <summary>Versions of <see cref="SchemaStateSubject"/> in the registry (each one added columns).</summary>
    public int SchemaStateVersions { get; init; }

    /// <summary>The <see cref="Sink.ISink.Name"/> of the sink the pipeline wrote through (e.g. <c>duckdb</c>, <c>bigquery</c>).</summary>
    public string Sink { get; init; } = "";

    public double EventsPerSecond => Verdict.Produced / Math.Max(Elapsed.TotalSeconds, 0.001);

    public bool Ok => Verdict.Ok && RetentionProblems.Count == 0;
}

/// <summary>
/// The demo: an embedded Kafka cluster, N synthetic events (with poison) produced while the pipeline ingests them
/// through the destination's sink (a DuckDB file by default), then a verdict from reading the table and the DLQ back.
/// A share of the events is Avro in the Confluent wire format, with writer schemas registered in the Schema Registry
/// at <paramref name="registryUrl"/>, which also holds the table's schema state. The caller starts that registry: this
/// library has no web server.
/// </summary>
public sealed class DemoRunner(int events, int partitions, IDemoDestination destination, int seed, string registryUrl, ILoggerFactory loggerFactory)
{
    public const string Topic = "events";

    /// <summary>Share of the events produced as Avro; a hundredth of those is poison Avro.</summary>
    public const double AvroShare = 0.10;

    public async Task<DemoSummary> RunAsync(IProgress<DemoProgress> progress, CancellationToken cancellationToken)
    {
        var registryOptions = new SchemaRegistryOptions { Url = registryUrl };
        using var registry = SchemaRegistryClients.Create(registryOptions);
        using var registrySchemas = new SchemaCache(registry, registryOptions);
        var avro = await AvroEvents.RegisterAsync(registry, cancellationToken);
        // The registrar keeps a local copy of the schema state for registry outages; a demo run needs none after it.
        var stateDirectory = Directory.CreateTempSubdirectory("streamheal-demo-state-");
        try
        {
            using var registrar = new SchemaRegistrar(
                registry, new SchemaStateOptions { Directory = stateDirectory.FullName }, loggerFactory.CreateLogger("StreamHeal.SchemaState"), TimeProvider.System);
            var summary = await RunAsync(avro, registrar, registrySchemas, progress, cancellationToken);
            var subject = registrar.SubjectFor(TableFor(Topic));
            return summary with { SchemaStateSubject = subject, SchemaStateVersions = await SchemaStateVersionsAsync(registry, subject, cancellationToken) };
        }
        finally
        {
            stateDirectory.Delete(recursive: true);
        }
    }

    private async Task<DemoSummary> RunAsync(
        AvroEvents avro, SchemaRegistrar registrar, SchemaCache registrySchemas, IProgress<DemoProgress> progress, CancellationToken cancellationToken)
    {
        // The table is read back only once IngestAsync has disposed the sink: DuckDB flushes its file on close.
        var run = await IngestAsync(avro, registrar, registrySchemas, progress, cancellationToken);
        var (rows, columns) = await destination.ReadBackAsync(TableFor(Topic), cancellationToken);
        var verdict = IngestionVerdict.Compute(run.Positions, rows, run.DeadLetters.Select(static d => (d.OriginalPartition, d.OriginalOffset)));
        var deadLetterTypes = run.DeadLetters
            .DistinctBy(static d => (d.OriginalPartition, d.OriginalOffset))
            .CountBy(static d => d.ErrorType)
            .ToDictionary(static c => c.Key, static c => (long)c.Value, StringComparer.Ordinal);
        return new DemoSummary(
            verdict, run.Elapsed, run.RetentionProblems, SchemaEvolution.From(columns, run.Quarantined), run.AvroEvents, deadLetterTypes)
        {
            Sink = run.Sink,
        };
    }

    private async Task<Ingestion> IngestAsync(
        AvroEvents avro, SchemaRegistrar registrar, SchemaCache registrySchemas, IProgress<DemoProgress> progress, CancellationToken cancellationToken)
    {
        await using var cluster = MockKafkaCluster.Start(brokers: 3);
        cluster.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        cluster.CreateTopic(Topic, partitions);
        // Poison includes oversized values: give the DLQ as many partitions so the mock's 5 MiB-per-partition
        // retention never drops a dead letter.
        cluster.CreateTopic(Topic + ".dlq", partitions);
        var settings = Settings(cluster.BootstrapServers);
        foreach (var topic in destination.TopicsFor(settings.Kafka.GroupId))
        {
            cluster.CreateTopic(topic, partitions: 1);
        }

        var stopwatch = Stopwatch.StartNew();

        var producer = new DemoProducer(cluster.BootstrapServers, Topic, partitions, new SyntheticEvents(seed, avroShare: AvroShare), avro);
        var holds = new TopicHolds();
        await using var sink = await destination.OpenAsync(cluster.BootstrapServers, settings.Kafka.GroupId, holds, cancellationToken);
        await using var pipeline = new IngestionPipeline(settings, sink, loggerFactory, registrar: registrar, registrySchemas: registrySchemas, holds: holds);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = pipeline.RunAsync(stop.Token);
        var produced = producer.ProduceAsync(events, cancellationToken);

        var lastDone = 0L;
        var lastTick = stopwatch.Elapsed;
        var rate = 0.0;
        while (true)
        {
            var status = pipeline.Status;
            var done = status.Sunk + status.DeadLettered + pipeline.Metrics.AlreadyWritten;
            var now = stopwatch.Elapsed;
            if (now - lastTick >= TimeSpan.FromSeconds(2))
            {
                rate = (done - lastDone) / (now - lastTick).TotalSeconds;
                (lastDone, lastTick) = (done, now);
            }

            progress.Report(new DemoProgress(events, producer.Delivered, done, status.Sunk, status.DeadLettered, status.Lag, rate));
            if (running.IsCompleted || (produced.IsCompleted && done >= events))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        await stop.CancelAsync();
        await running;
        var positions = await produced;
        var elapsed = stopwatch.Elapsed;

        var retention = await Task.Run(
            () => RetentionProblems(cluster.BootstrapServers, Topic, partitions).Concat(RetentionProblems(cluster.BootstrapServers, Topic + ".dlq", partitions)).ToList(),
            cancellationToken);
        var dlq = await Task.Run(() => DeadLetterReader.ReadAll(cluster.BootstrapServers, Topic + ".dlq", TimeSpan.FromSeconds(60)), cancellationToken);
        // Leaving this scope disposes the sink, once: not every sink takes a second DisposeAsync.
        return new Ingestion(positions, elapsed, retention, dlq, pipeline.QuarantineCounts.Snapshot(), producer.AvroEvents, sink.Name);
    }

    private static async Task<int> SchemaStateVersionsAsync(Confluent.SchemaRegistry.ISchemaRegistryClient registry, string subject, CancellationToken cancellationToken)
    {
        try
        {
            return (await registry.GetVersionsAsync(subject, cancellationToken)).Count;
        }
        catch (SubjectNotFoundException)
        {
            return 0;
        }
    }

    private static string TableFor(string topic) => Tables.TableNames.ForTopic(topic);

    private static List<string> RetentionProblems(string bootstrapServers, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "streamheal-demo-check" }).Build();
        var problems = new List<string>();
        for (var p = 0; p < partitions; p++)
        {
            var low = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).Low.Value;
            if (low > 0)
            {
                problems.Add($"{topic}[{p}] low watermark is {low}: the embedded cluster dropped old data; use more partitions");
            }
        }

        return problems;
    }

    private static PipelineSettings Settings(string bootstrapServers) => new(
        new KafkaOptions
        {
            BootstrapServers = bootstrapServers,
            GroupId = "streamheal-demo",
            Topics = [Topic],
            SessionTimeoutMs = 6_000,
        },
        new PipelineOptions(),
        new DecodeOptions { MaxPayloadBytes = 64 * 1024 },
        new FlattenOptions(),
        new CompatFilterOptions(),
        new BatchOptions(),
        new RetryOptions(),
        new DeadLetterOptions());

    /// <summary>What the run left behind once the pipeline stopped, before the table is read back.</summary>
    private sealed record Ingestion(
        IReadOnlyList<(int Partition, long Offset)> Positions, TimeSpan Elapsed, IReadOnlyList<string> RetentionProblems, IReadOnlyList<DeadLetterEntry> DeadLetters,
        IReadOnlyList<(string Table, string Field, string Reason, long Count)> Quarantined, long AvroEvents, string Sink);
}
