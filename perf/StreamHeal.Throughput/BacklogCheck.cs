using System.Globalization;
using StreamHeal.DeadLetter;
using StreamHeal.Dev.Demo;
using StreamHeal.Pipeline;
using StreamHeal.Tables;

namespace StreamHeal.Throughput;

/// <summary>A backlog measured by <see cref="BacklogCheck"/>: the corpus as produced, and the pipeline child's report.</summary>
/// <param name="CeilingEventsPerSecond">(a), the raw consumer, over the same topic right after (b), in this process.</param>
/// <param name="Appends">Into the BigQuery fake: the run's AppendRows requests.</param>
internal sealed record BacklogRun(string Topic, ProducedCorpus Corpus, BacklogResult Result, double CeilingEventsPerSecond, string LoadBefore, string LoadAfter, AppendTotals? Appends = null);

/// <summary>
/// Bounded memory shown rather than argued: for each backlog size, a topic of its own is produced on the mock cluster
/// (every partition's low watermark checked to be 0), then run (b) — the pipeline into a null sink — or run (c), into
/// DuckDB, works through it in a fresh child process (<see cref="BacklogPipelineServer"/>), whose peak RSS is then the pipeline's alone. Every
/// size uses the same partition count, so the backlog is the only thing that differs between the runs.
/// </summary>
/// <param name="pipeline">Only its in-flight budgets, DLQ parallelism and stage capacity reach the child; everything else is the shipped default.</param>
internal sealed class BacklogCheck(IReadOnlyList<long> sizes, int partitions, PipelineOptions pipeline, TextWriter progress)
{
    private static readonly TimeSpan PidTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(70);

    /// <summary>librdkafka settings for the child's consumer, each <c>key=value</c> (as <c>kafka.properties</c>).</summary>
    public IReadOnlyList<string> KafkaProperties { get; init; } = [];

    /// <summary>Null: run (b), into the null sink. Otherwise run (c), into DuckDB with this <c>sink.duckdb.memoryLimitMb</c>.</summary>
    public int? DuckDbMemoryLimitMb { get; init; }

    /// <summary>Run (d) instead of (b): into the BigQuery fake, which the check runs in a child process of its own.</summary>
    public bool BigQuery { get; init; }

    /// <summary>With <see cref="BigQuery"/>: the pipeline child's BigQuery sink settings.</summary>
    public BigQueryRunSettings BigQuerySettings { get; init; } = BigQueryRunSettings.Shipped;

    public static string TopicFor(long size) => string.Create(CultureInfo.InvariantCulture, $"backlog-{size}");

    public async Task<IReadOnlyList<BacklogRun>> RunAsync(CancellationToken cancellationToken)
    {
        var topics = sizes.SelectMany(s => new[] { (TopicFor(s), partitions), (TopicFor(s) + ".dlq", partitions) });
        await using var kafka = await DevKafkaProcess.StartAsync(topics, cancellationToken);
        var bootstrap = kafka.BootstrapServers;
        Say($"dev-kafka (pid {kafka.Id}) at {bootstrap}");
        await using var fake = BigQuery ? await FakeBigQueryProcess.StartAsync(BigQuerySettings, cancellationToken) : null;

        var endpoints = fake?.Endpoints;
        var runs = new List<BacklogRun>();
        foreach (var size in sizes)
        {
            var topic = TopicFor(size);
            Say($"producing {size:N0} events to {topic} ({partitions} partitions, lz4) ...");
            var corpus = await CorpusProducer.ProduceAsync(bootstrap, topic, partitions, size, null, cancellationToken);
            Say($"produced {corpus.Count:N0} events, {corpus.ValueBytes / 1e6:N1} MB of values, in {corpus.Elapsed.TotalSeconds:N1} s");
            var watermarks = await ThroughputHarness.CheckRetainedAsync(bootstrap, topic, corpus.Count, Say, cancellationToken);
            var highs = string.Join(',', watermarks.Partitions.Select(static w => w.High.ToString(CultureInfo.InvariantCulture)));

            var loadBefore = ResourceMeter.LoadAverages();
            var appendsBefore = fake is null ? default : await fake.ReadAppendTotalsAsync(cancellationToken);
            var run = BigQuery ? "d" : DuckDbMemoryLimitMb is null ? "b" : "c";
            Say($"({run}) over a backlog of {size:N0} events in a child process ...");
            var result = await RunChildAsync(
                bootstrap, topic, $"backlog-{run}-" + size.ToString(CultureInfo.InvariantCulture), highs, pipeline, scrape: false, Say, cancellationToken, KafkaProperties, DuckDbMemoryLimitMb, endpoints);
            var loadAfter = ResourceMeter.LoadAverages();
            AppendTotals? appends = null;
            if (fake is not null)
            {
                appends = await fake.ReadAppendTotalsAsync(cancellationToken) - appendsBefore;
                // The child cannot see the fake's rows: read them here, with the DLQ, for the verdict.
                var rows = await fake.ReadPositionsAsync(fake.SinkOptions().TablePath(TableNames.ForTopic(topic)), cancellationToken);
                var deadLetters = DeadLetterReader.ReadAll(bootstrap, topic + ".dlq", TimeSpan.FromSeconds(120)).Select(static d => (d.OriginalPartition, d.OriginalOffset));
                result = result with { Verdict = IngestionVerdict.Compute(corpus.Positions, rows, deadLetters) };
            }

            // The ceiling on this very topic: with many partitions and a deep backlog the client alone may deliver less than on the comparison's corpus.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (messages, _) = await RawConsumer.ConsumeAsync(bootstrap, topic, "backlog-a-" + size.ToString(CultureInfo.InvariantCulture), corpus.Count, RunTimeout, new(), cancellationToken);
            var measured = new BacklogRun(topic, corpus, result, messages / clock.Elapsed.TotalSeconds, loadBefore, loadAfter, appends);
            Say(ThroughputReport.Format(
                $"backlog {size:N0}: peak RSS {result.Usage.PeakRssBytes / 1e6:N0} MB, {result.EventsPerSecond:N0} events/s (raw consumer {measured.CeilingEventsPerSecond:N0}), load average {result.Usage.LoadAverage:N1}, lost {result.Verdict.Missing}, duplicated {result.Verdict.Duplicates}{(appends is { } sent ? "; " + sent : "")}"));
            runs.Add(measured);
        }

        return runs;
    }

    /// <summary>Runs (b), or (c) with <paramref name="duckDbMemoryLimitMb"/>, over <paramref name="topic"/> in a fresh child process (<see cref="BacklogPipelineServer"/>) and returns its report.</summary>
    /// <param name="highs">The topic's high watermarks joined by commas.</param>
    /// <param name="scrape">Serve <c>/metrics</c> in the child and scrape it every second from this process.</param>
    public static async Task<BacklogResult> RunChildAsync(
        string bootstrap, string topic, string groupId, string highs, PipelineOptions pipeline, bool scrape, Action<string> say, CancellationToken cancellationToken,
        IReadOnlyList<string>? kafkaProperties = null, int? duckDbMemoryLimitMb = null, IReadOnlyList<string>? bigQueryEndpoints = null)
    {
        await using var child = ChildProcess.Start(
            typeof(BacklogCheck).Assembly.Location,
            [BacklogPipelineServer.Switch, bootstrap, topic, groupId, topic + ".dlq", highs,
             pipeline.InFlightRecords.ToString(CultureInfo.InvariantCulture), pipeline.InFlightBytes.ToString(CultureInfo.InvariantCulture),
             pipeline.DeadLetterParallelism.ToString(CultureInfo.InvariantCulture), pipeline.StageCapacity.ToString(CultureInfo.InvariantCulture),
             .. scrape ? [BacklogPipelineServer.ScrapeArgument] : Array.Empty<string>(),
             .. (kafkaProperties ?? []).Select(static p => BacklogPipelineServer.KafkaPropertyPrefix + p),
             .. duckDbMemoryLimitMb is { } limit ? [BacklogPipelineServer.DuckDbPrefix + limit.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
             .. bigQueryEndpoints is { } at ? [BacklogPipelineServer.BigQueryPrefix + string.Join('|', at)] : Array.Empty<string>()],
            "the pipeline child");
        say($"  {await child.ReadLineAsync(PidTimeout, "pid", cancellationToken)}");
        MetricsScraper? scraper = null;
        try
        {
            while (true)
            {
                var line = await child.ReadLineAsync(RunTimeout, "result", cancellationToken);
                if (BacklogResult.IsResult(line))
                {
                    if (scraper is not null)
                    {
                        say(await scraper.StopAsync());
                    }

                    return BacklogResult.Parse(line);
                }

                if (scrape && scraper is null && line.StartsWith(MetricsScraper.PortLine, StringComparison.Ordinal))
                {
                    scraper = MetricsScraper.Start(line);
                }

                say(line);
            }
        }
        finally
        {
            if (scraper is not null)
            {
                await scraper.DisposeAsync();
            }
        }
    }

    private void Say(string line)
    {
        progress.WriteLine(line);
        progress.Flush();
    }
}
