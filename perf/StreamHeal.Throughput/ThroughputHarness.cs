using Microsoft.Extensions.Logging;
using StreamHeal.DeadLetter;
using StreamHeal.Dev.Demo;
using StreamHeal.Kafka;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Flow;
using StreamHeal.Tables;

namespace StreamHeal.Throughput;

/// <summary>
/// One run of the comparison: a dev-kafka child process, a BigQuery fake child process, one pre-produced corpus, then
/// (a) the raw consumer ceiling, (b) StreamHeal into a null sink, (c) StreamHeal into DuckDB, (d) StreamHeal into the
/// BigQuery fake over gRPC, each with a fresh consumer group, and finally the fixed-rate latency run into DuckDB on a
/// topic of its own.
/// </summary>
internal sealed class ThroughputHarness(HarnessOptions options, ILoggerFactory loggerFactory, TextWriter progress)
{
    public const int Brokers = 3;
    private const string Topic = "events";
    private const string SustainedTopic = "sustained";
    private const string SustainedAtDuckDbRateTopic = "sustained-c";
    private const string SustainedIntoBigQueryTopic = "sustained-d";
    // Enough of the mix that every column it brings exists before the measured load starts.
    private const int TableWarmUpEvents = 20_000;

    // The sustained topics hold 60 s of events even if the pipeline falls behind by all of it: 512 × the mock's 5 MiB
    // per partition is ~7M events of the demo's mix. Their DLQ topics get as many: 0.5% poison at ~90,000 events/s
    // for 60 s, a seventh of it 70 KiB values, overran 64 DLQ partitions and the verdict counted the dropped dead
    // letters as lost.
    // A latency run's topic gets one partition per this many events (rounded up to a power of two, 64 to 512): the 2M
    // corpus (31,250 events a partition) fits the mock's 5 MiB per partition, so this leaves half as much again. More
    // partitions than the run needs make every poll return a record or two per partition, which costs CPU per event
    // that the rate it is half of (measured on 64 partitions) never paid.
    internal const int SustainedEventsPerPartition = 20_000;
    internal const int MinSustainedPartitions = 64;
    internal const int MaxSustainedPartitions = 512;
    private const string WarmUpTopic = "warmup";
    public const long WarmUpEvents = 20_000;
    public const string BigQueryDelivery = BigQuerySinkOptions.AtLeastOnce;
    private static readonly TimeSpan HeldSampleInterval = TimeSpan.FromMilliseconds(20);

    // Generous: a stalled run should fail with the pipeline's own description, not hang the machine for ever.
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan DeadLetterReadTimeout = TimeSpan.FromSeconds(120);

    public async Task<HarnessResult> RunAsync(CancellationToken cancellationToken)
    {
        var loadBefore = ResourceMeter.LoadAverages();
        var p = options.Partitions;
        await using var kafka = await DevKafkaProcess.StartAsync(
            [(Topic, p), (Topic + ".dlq-b", p), (Topic + ".dlq-c", p), (Topic + ".dlq-d", p), (WarmUpTopic, p), (WarmUpTopic + ".dlq", p)], cancellationToken);
        var bootstrap = kafka.BootstrapServers;
        await using var bigQuery = await FakeBigQueryProcess.StartAsync(options.BigQuery, cancellationToken);
        Say($"BigQuery fake (pid {bigQuery.Id}) at {bigQuery.WriteEndpoint} (Storage Write, gRPC) and {bigQuery.RestEndpoint} (REST)");
        Say($"dev-kafka (pid {kafka.Id}) at {bootstrap}; producing {options.Events:N0} events to {Topic} ({p} partitions, lz4)");

        var corpus = await CorpusProducer.ProduceAsync(bootstrap, Topic, p, options.Events, null, cancellationToken);
        Say($"produced {corpus.Count:N0} events, {corpus.ValueBytes / 1e6:N1} MB of values, in {corpus.Elapsed.TotalSeconds:N1} s");
        var watermarks = await CheckRetainedAsync(bootstrap, Topic, corpus.Count, Say, cancellationToken);

        await WarmUpAsync(bootstrap, bigQuery, cancellationToken);
        var ceiling = await MeasureCeilingAsync(bootstrap, corpus, "throughput-a", "(a) ceiling: raw Confluent.Kafka group consumer", cancellationToken);
        Say(Line(ceiling));
        var nullSink = await MeasureNullSinkAsync(bootstrap, corpus, watermarks, cancellationToken);
        Say(Line(nullSink));
        var duckDb = await MeasureDuckDbAsync(bootstrap, corpus, cancellationToken);
        Say(Line(duckDb));
        var (bigQueryRun, bigQueryDetails) = await MeasureBigQueryAsync(bootstrap, bigQuery, corpus, cancellationToken);
        Say(Line(bigQueryRun));
        Say(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"  the fake: {bigQueryDetails.FakeCpu.TotalSeconds:N1} CPU s, peak RSS {bigQueryDetails.FakePeakRssBytes / 1e6:N0} MB; table held for new columns {bigQueryDetails.Held.TotalSeconds:N1} s; {bigQueryDetails.Stats}"));

        // The cores are shared: a ceiling measured once can land in a busy minute and flatter every ratio. Measuring it
        // again after (d) and dividing by the faster of the two keeps the ratios conservative.
        var ceilingAgain = await MeasureCeilingAsync(bootstrap, corpus, "throughput-a2", "(a) ceiling, measured again after (d)", cancellationToken);
        Say(Line(ceilingAgain));

        SustainedResult? sustained = null;
        SustainedResult? sustainedAtDuckDbRate = null;
        SustainedResult? sustainedIntoBigQuery = null;
        if (options.SustainedSeconds > 0)
        {
            // As the targets define it: half of what the pipeline takes into the null sink.
            sustained = await MeasureSustainedAsync("(b)", " at 50% of (b)", SustainedTopic, nullSink.EventsPerSecond / 2, cancellationToken);
            // Half of what DuckDB itself took: the latency of a sink that is not saturated.
            sustainedAtDuckDbRate = await MeasureSustainedAsync("(c)", " at 50% of (c)", SustainedAtDuckDbRateTopic, duckDb.EventsPerSecond / 2, cancellationToken);
            // The BigQuery target's load: half of what the pipeline took into the fake.
            sustainedIntoBigQuery = await MeasureSustainedAsync("(d)", " at 50% of (d)", SustainedIntoBigQueryTopic, bigQueryRun.EventsPerSecond / 2, cancellationToken, bigQuery);
        }

        return new HarnessResult(
            options, corpus, Brokers, ceiling, ceilingAgain, nullSink, duckDb, bigQueryRun, bigQueryDetails, sustained, sustainedAtDuckDbRate, sustainedIntoBigQuery, loadBefore, ResourceMeter.LoadAverages());
    }

    /// <summary>Only the fixed-rate latency run, at <paramref name="perSecond"/>, into DuckDB or the BigQuery fake.</summary>
    public async Task<SustainedResult> RunSustainedOnlyAsync(double perSecond, bool intoBigQuery, CancellationToken cancellationToken)
    {
        if (!intoBigQuery)
        {
            return await MeasureSustainedAsync($"{perSecond:N0} events/s", "", SustainedTopic, perSecond, cancellationToken);
        }

        await using var bigQuery = await FakeBigQueryProcess.StartAsync(options.BigQuery, cancellationToken);
        return await MeasureSustainedAsync($"{perSecond:N0} events/s", "", SustainedIntoBigQueryTopic, perSecond, cancellationToken, bigQuery);
    }

    /// <summary>Partitions for a latency run of <paramref name="events"/> events (see <see cref="SustainedEventsPerPartition"/>).</summary>
    private static int SustainedPartitionsFor(long events)
    {
        // The bounds are powers of two, so rounding up after clamping stays within them.
        var needed = Math.Clamp((events + SustainedEventsPerPartition - 1) / SustainedEventsPerPartition, MinSustainedPartitions, MaxSustainedPartitions);
        return (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)needed);
    }

    /// <summary>
    /// Runs the consumer, the pipeline and the BigQuery sink once over a small topic of their own, unmeasured, so that
    /// JIT compilation and first-use initialisation are not charged to whichever measured run happens to come first.
    /// </summary>
    private async Task WarmUpAsync(string bootstrap, FakeBigQueryProcess bigQuery, CancellationToken cancellationToken)
    {
        Say($"warm-up: {WarmUpEvents:N0} events through the raw consumer, the pipeline and the BigQuery sink (not measured) ...");
        var warmUp = await CorpusProducer.ProduceAsync(bootstrap, WarmUpTopic, options.Partitions, WarmUpEvents, null, cancellationToken);
        await RawConsumer.ConsumeAsync(bootstrap, WarmUpTopic, "throughput-warmup-a", warmUp.Count, RunTimeout, new(), cancellationToken);
        var watermarks = await TopicWatermarks.QueryAsync(bootstrap, WarmUpTopic, cancellationToken: cancellationToken);
        await using var sink = new NullSink([.. watermarks.Partitions.Select(static w => w.High)]);
        await using var pipeline = RunningPipeline.Start(bootstrap, WarmUpTopic, "throughput-warmup-b", WarmUpTopic + ".dlq", sink, loggerFactory);
        await pipeline.WaitUntilAsync(p => p.Done >= warmUp.Count, RunTimeout, "the warm-up was done", null, cancellationToken);
        await pipeline.StopAsync();

        const string bigQueryGroup = "throughput-warmup-d";
        var holds = new TopicHolds();
        await using var bigQuerySink = await OpenBigQuerySinkAsync(bootstrap, bigQuery, WarmUpTopic, bigQueryGroup, holds, cancellationToken);
        await using var bigQueryPipeline = RunningPipeline.Start(bootstrap, WarmUpTopic, bigQueryGroup, WarmUpTopic + ".dlq", bigQuerySink, loggerFactory, holds);
        await bigQueryPipeline.WaitUntilAsync(p => p.Done >= warmUp.Count, RunTimeout, "the BigQuery warm-up was done", null, cancellationToken);
        await bigQueryPipeline.StopAsync();
    }

    /// <summary>Throws unless every partition of <paramref name="topic"/> still starts at offset 0 and all <paramref name="expected"/> events are there.</summary>
    public static async Task<TopicWatermarks> CheckRetainedAsync(string bootstrap, string topic, long expected, Action<string> say, CancellationToken cancellationToken)
    {
        var watermarks = await TopicWatermarks.QueryAsync(bootstrap, topic, cancellationToken: cancellationToken);
        var dropped = watermarks.DroppedByRetention();
        if (dropped.Count > 0 || watermarks.TotalCount != expected)
        {
            var first = dropped.Count > 0 ? $"; e.g. partition {dropped[0].Partition} starts at {dropped[0].Low:N0}" : "";
            throw new InvalidOperationException(
                $"The mock cluster kept {watermarks.TotalCount:N0} of {expected:N0} events of '{topic}' ({dropped.Count} partitions lost their oldest data to the 5 MiB retention{first}). Use more --partitions or fewer --events.");
        }

        say($"every partition of {topic} starts at offset 0; {watermarks.TotalCount:N0} events retained");
        return watermarks;
    }

    /// <summary>Throws if the mock dropped dead letters to its retention: the verdict would count them as lost.</summary>
    private static async Task CheckDeadLettersRetainedAsync(string bootstrap, string topic, CancellationToken cancellationToken)
    {
        var dropped = (await TopicWatermarks.QueryAsync(bootstrap, topic, cancellationToken: cancellationToken)).DroppedByRetention();
        if (dropped.Count > 0)
        {
            throw new InvalidOperationException(
                $"The mock cluster dropped dead letters of '{topic}' to its 5 MiB retention ({dropped.Count} partitions; e.g. partition {dropped[0].Partition} starts at {dropped[0].Low:N0}), so the verdict cannot be computed.");
        }
    }

    private async Task<RunResult> MeasureCeilingAsync(string bootstrap, ProducedCorpus corpus, string groupId, string title, CancellationToken cancellationToken)
    {
        Say($"{title} ...");
        var consumed = new System.Runtime.CompilerServices.StrongBox<long>();
        await using var meter = ResourceMeter.Start(() => Volatile.Read(ref consumed.Value));
        var (messages, bytes) = await RawConsumer.ConsumeAsync(bootstrap, Topic, groupId, corpus.Count, RunTimeout, consumed, cancellationToken);
        var usage = await meter.StopAsync();
        if (bytes != corpus.ValueBytes)
        {
            throw new InvalidOperationException($"The raw consumer read {bytes:N0} value bytes in {messages:N0} messages; {corpus.ValueBytes:N0} were produced.");
        }

        return new RunResult("a", title, messages, bytes, usage, null);
    }

    private async Task<RunResult> MeasureNullSinkAsync(string bootstrap, ProducedCorpus corpus, TopicWatermarks watermarks, CancellationToken cancellationToken)
    {
        Say("(b) StreamHeal into a null sink ...");
        var sink = new NullSink([.. watermarks.Partitions.Select(static w => w.High)]);
        var usage = await MeasurePipelineAsync(bootstrap, "throughput-b", Topic + ".dlq-b", sink, corpus.Count, cancellationToken);
        var dlq = await ReadDeadLettersAsync(bootstrap, Topic + ".dlq-b", cancellationToken);
        var verdict = IngestionVerdict.Compute(corpus.Positions, sink.Positions(), dlq);
        return new RunResult("b", "(b) StreamHeal into a null sink", corpus.Count, corpus.ValueBytes, usage, verdict);
    }

    private async Task<RunResult> MeasureDuckDbAsync(string bootstrap, ProducedCorpus corpus, CancellationToken cancellationToken)
    {
        Say("(c) StreamHeal into DuckDB ...");
        var path = TempDatabase("c");
        try
        {
            var sink = new DuckDbSink(new DuckDbSinkOptions { Path = path }, TimeProvider.System);
            var usage = await MeasurePipelineAsync(bootstrap, "throughput-c", Topic + ".dlq-c", sink, corpus.Count, cancellationToken);
            var dlq = await ReadDeadLettersAsync(bootstrap, Topic + ".dlq-c", cancellationToken);
            var rows = await Task.Run(() => ReadPositions(path, TableNames.ForTopic(Topic)), cancellationToken);
            var verdict = IngestionVerdict.Compute(corpus.Positions, rows, dlq);
            return new RunResult("c", "(c) StreamHeal into DuckDB (temporary file)", corpus.Count, corpus.ValueBytes, usage, verdict);
        }
        finally
        {
            DeleteDatabase(path);
        }
    }

    /// <summary>
    /// The production sink into the fake over gRPC and REST, without auth. The fake lives in a child process: its CPU and
    /// RSS are reported apart, and the time the sink held the table while a new column propagated (the fake's 3 s, as
    /// the real service) is sampled, since on a run this short it can weigh on events/s.
    /// </summary>
    private async Task<(RunResult Run, BigQueryDetails Details)> MeasureBigQueryAsync(
        string bootstrap, FakeBigQueryProcess bigQuery, ProducedCorpus corpus, CancellationToken cancellationToken)
    {
        var tuned = bigQuery.Settings.Changed();
        var title = $"(d) StreamHeal into the BigQuery fake (gRPC, {BigQueryDelivery}{(tuned.Count > 0 ? "; " + string.Join(", ", tuned) : "")})";
        Say($"{title} ...");
        const string groupId = "throughput-d";
        var holds = new TopicHolds();
        var sink = await OpenBigQuerySinkAsync(bootstrap, bigQuery, Topic, groupId, holds, cancellationToken);
        var stats = sink.Stats;
        using var sampling = new CancellationTokenSource();
        var held = SampleHeldAsync(stats, sampling.Token);
        var fakeCpu = bigQuery.Cpu;
        // The fake is idle outside this call, so its CPU over the call is its CPU for the run.
        var usage = await MeasurePipelineAsync(bootstrap, groupId, Topic + ".dlq-d", sink, corpus.Count, cancellationToken, holds);
        fakeCpu = bigQuery.Cpu - fakeCpu;
        await sampling.CancelAsync();
        var details = new BigQueryDetails(BigQueryDelivery, fakeCpu, bigQuery.PeakRssBytes, await held, stats.ToString());
        var dlq = await ReadDeadLettersAsync(bootstrap, Topic + ".dlq-d", cancellationToken);
        var rows = await bigQuery.ReadPositionsAsync(bigQuery.SinkOptions().TablePath(TableNames.ForTopic(Topic)), cancellationToken);
        var verdict = IngestionVerdict.Compute(corpus.Positions, rows, dlq);
        return (new RunResult("d", title, corpus.Count, corpus.ValueBytes, usage, verdict), details);
    }

    private async Task<BigQuerySink> OpenBigQuerySinkAsync(
        string bootstrap, FakeBigQueryProcess bigQuery, string topic, string groupId, TopicHolds holds, CancellationToken cancellationToken) =>
        await BigQuerySinkFactory.CreateAsync(
            bigQuery.SinkOptions(), RunningPipeline.Kafka(bootstrap, topic, groupId), holds, TimeProvider.System, loggerFactory, cancellationToken);

    /// <summary>How long at least one table was held, to the nearest <see cref="HeldSampleInterval"/>.</summary>
    private static async Task<TimeSpan> SampleHeldAsync(BigQuerySinkStats stats, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(HeldSampleInterval);
        var held = TimeSpan.Zero;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (stats.HeldTables > 0)
                {
                    held += HeldSampleInterval;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return held;
    }

    /// <summary>Measures from the start of the pipeline (group join included, as for the raw consumer) until every record is done.</summary>
    private async Task<ResourceUsage> MeasurePipelineAsync(
        string bootstrap, string groupId, string deadLetterTopic, ISink sink, long expected, CancellationToken cancellationToken, TopicHolds? holds = null)
    {
        await using (sink)
        {
            ResourceUsage usage;
            RunningPipeline? running = null;
            await using (var meter = ResourceMeter.Start(() => Volatile.Read(ref running)?.Done ?? 0))
            {
                await using var pipeline = RunningPipeline.Start(bootstrap, Topic, groupId, deadLetterTopic, sink, loggerFactory, holds);
                Volatile.Write(ref running, pipeline);
                await pipeline.WaitUntilAsync(p => p.Done >= expected, RunTimeout, $"all {expected:N0} records were done", progress, cancellationToken);
                usage = await meter.StopAsync();
                await pipeline.StopAsync();
            }

            return usage;
        }
    }

    /// <param name="label">How progress lines name the run (empty for a run at a given rate).</param>
    /// <param name="bigQuery">The fake to write into; null writes into a fresh DuckDB file.</param>
    private async Task<SustainedResult> MeasureSustainedAsync(
        string basis, string label, string topic, double perSecond, CancellationToken cancellationToken, FakeBigQueryProcess? bigQuery = null)
    {
        var count = Math.Max(1, (long)(perSecond * options.SustainedSeconds));
        var into = bigQuery is null ? "DuckDB" : "the BigQuery fake";
        var partitions = SustainedPartitionsFor(count + TableWarmUpEvents);
        // A dev-kafka of its own: the corpus' brokers hold 2M events in memory and would share them with this run.
        await using var kafka = await DevKafkaProcess.StartAsync([(topic, partitions), (topic + ".dlq", partitions)], cancellationToken);
        var bootstrap = kafka.BootstrapServers;
        Say($"sustained{label}: {perSecond:N0} events/s for {options.SustainedSeconds} s ({count:N0} events, {partitions} partitions) into {into} ...");
        var path = TempDatabase(topic);
        var groupId = "throughput-" + topic;
        try
        {
            var holds = new TopicHolds();
            ISink inner = bigQuery is null
                ? new DuckDbSink(new DuckDbSinkOptions { Path = path }, TimeProvider.System)
                : await OpenBigQuerySinkAsync(bootstrap, bigQuery, topic, groupId, holds, cancellationToken);
            var sink = new AckLatencySink(inner, count + TableWarmUpEvents);
            ProducedCorpus? warmUp = null;
            ProducedCorpus produced;
            TimeSpan drain;
            ResourceUsage usage;
            await using (sink)
            {
                await using var pipeline = RunningPipeline.Start(bootstrap, topic, groupId, topic + ".dlq", sink, loggerFactory, holds);
                // Produce only once the group has its partitions, so the first events do not carry the join in their latency.
                await pipeline.WaitUntilAsync(p => p.Status.AssignedPartitions == partitions, TimeSpan.FromSeconds(60), "all partitions were assigned", null, cancellationToken);
                var allowance = TimeSpan.FromSeconds(Math.Max(120, 2 * options.SustainedSeconds));
                if (bigQuery is not null)
                {
                    // A fresh BigQuery table holds rows with new columns until the service reports the columns (the fake
                    // delays them as the service does): a one-off per column that would be most of a 60 s run's tail. The
                    // table gets its columns first, from a burst of the same mix, and those rows are not sampled.
                    warmUp = await CorpusProducer.ProduceAsync(bootstrap, topic, partitions, TableWarmUpEvents, null, cancellationToken);
                    await pipeline.WaitUntilAsync(p => p.Done >= warmUp.Count, allowance, "the table's warm-up rows were done", null, cancellationToken);
                    sink.Reset();
                }

                var before = warmUp?.Count ?? 0;
                await using var meter = ResourceMeter.Start(() => pipeline.Done - before);
                produced = await CorpusProducer.ProduceAsync(bootstrap, topic, partitions, count, perSecond, cancellationToken);
                var drained = System.Diagnostics.Stopwatch.StartNew();
                await pipeline.WaitUntilAsync(p => p.Done >= before + count, allowance, $"all {count:N0} sustained records were done", progress, cancellationToken);
                drain = drained.Elapsed;
                usage = await meter.StopAsync();
                await pipeline.StopAsync();
            }

            // A record the mock dropped before the pipeline read it would count as lost; make that impossible to miss.
            var positions = warmUp is null ? produced.Positions : [.. warmUp.Positions, .. produced.Positions];
            await CheckRetainedAsync(bootstrap, topic, positions.LongLength, Say, cancellationToken);
            await CheckDeadLettersRetainedAsync(bootstrap, topic + ".dlq", cancellationToken);
            var dlq = await ReadDeadLettersAsync(bootstrap, topic + ".dlq", cancellationToken);
            var rows = bigQuery is null
                ? await Task.Run(() => ReadPositions(path, TableNames.ForTopic(topic)), cancellationToken)
                : await bigQuery.ReadPositionsAsync(bigQuery.SinkOptions().TablePath(TableNames.ForTopic(topic)), cancellationToken);
            var verdict = IngestionVerdict.Compute(positions, rows, dlq);
            var (writes, rowsPerBatch) = sink.WritePercentiles();
            var result = new SustainedResult(basis, topic, partitions, perSecond, produced, sink.Percentiles(), sink.BeforeWritePercentiles(), writes, rowsPerBatch, verdict, drain, usage) { Into = into };
            Say($"sustained{label}: {result.Produced.EventsPerSecond:N0}/s produced, latency p50 {result.Latency.P50:N0} ms, p95 {result.Latency.P95:N0} ms, p99 {result.Latency.P99:N0} ms");
            return result;
        }
        finally
        {
            DeleteDatabase(path);
        }
    }

    private static Task<List<(int Partition, long Offset)>> ReadDeadLettersAsync(string bootstrap, string topic, CancellationToken cancellationToken) =>
        Task.Run(
            () => DeadLetterReader.ReadAll(bootstrap, topic, DeadLetterReadTimeout).Select(static d => (d.OriginalPartition, d.OriginalOffset)).ToList(),
            cancellationToken);

    internal static IReadOnlyList<(int Partition, long Offset)> ReadPositions(string path, string table)
    {
        using var reader = new DuckDbTableReader(path);
        return reader.ReadPositions(table);
    }

    internal static string TempDatabase(string run) =>
        Path.Combine(Path.GetTempPath(), $"streamheal-throughput-{run}-{Environment.ProcessId}.duckdb");

    internal static void DeleteDatabase(string path)
    {
        File.Delete(path);
        File.Delete(path + ".wal");
    }

    private static string Line(RunResult run) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"{run.Title}: {run.EventsPerSecond:N0} events/s, {run.MegabytesPerSecond:N1} MB/s, {run.CpuSecondsPerMillion:N2} CPU s per 1M, peak RSS {run.Usage.PeakRssBytes / 1e6:N0} MB, load average {run.Usage.LoadAverage:N1}, lost {run.Lost}, duplicated {run.Duplicated}");

    private void Say(string line)
    {
        progress.WriteLine(line);
        progress.Flush();
    }
}
