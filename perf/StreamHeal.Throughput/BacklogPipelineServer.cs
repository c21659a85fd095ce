using System.Globalization;
using Microsoft.Extensions.Logging;
using StreamHeal.DeadLetter;
using StreamHeal.Dev.Demo;
using StreamHeal.Flow;
using StreamHeal.Hosting;
using StreamHeal.Pipeline;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Tables;

namespace StreamHeal.Throughput;

/// <summary>
/// The child side of the backlog check: this harness re-invoked with <see cref="Switch"/> runs (b), the pipeline into a
/// <see cref="NullSink"/> (or (c), into DuckDB in a temporary file, with <c>duckdb:MEMORY_LIMIT_MB</c>, or (d), into the
/// BigQuery fake the harness runs in another child, with <c>bigquery:WRITE|REST|PROJECT|DATASET</c>), over a
/// pre-produced topic and nothing else, so its peak RSS is the pipeline's and not the
/// harness's (which holds the produced positions, 16 B per event). Arguments: bootstrap servers, topic, group id, DLQ
/// topic, the topic's high watermarks joined by commas (every low watermark was checked to be 0), and
/// <c>pipeline.inFlightRecords</c>, <c>pipeline.inFlightBytes</c>, <c>pipeline.deadLetterParallelism</c> and
/// <c>pipeline.stageCapacity</c>, and optionally <c>kafka:KEY=VALUE</c> arguments (librdkafka settings, as <c>kafka.properties</c>) and <c>scrape</c>: serve <c>/metrics</c> (and print its port) for the harness to
/// scrape while the pipeline runs (<see cref="ScrapeCostCheck"/>). It prints
/// <c>pid N</c>, progress lines, one <c>result key=value ...</c> line (see <see cref="BacklogResult.Parse"/>) and exits.
/// </summary>
internal static class BacklogPipelineServer
{
    public const string Switch = "--serve-backlog-pipeline";
    public const string ScrapeArgument = "scrape";
    public const string KafkaPropertyPrefix = "kafka:";
    public const string DuckDbPrefix = "duckdb:";
    public const string BigQueryPrefix = "bigquery:";

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(60);
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DeadLetterReadTimeout = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        if (args is not [var bootstrap, var topic, var groupId, var deadLetterTopic, var highList, var records, var bytes, var deadLetterSends, var stageCapacity, .. var rest]
            || !Array.TrueForAll(rest, static r => r == ScrapeArgument
                || (r.StartsWith(KafkaPropertyPrefix, StringComparison.Ordinal) && r.IndexOf('=', StringComparison.Ordinal) > KafkaPropertyPrefix.Length)
                || (r.StartsWith(DuckDbPrefix, StringComparison.Ordinal) && int.TryParse(r.AsSpan(DuckDbPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                || (r.StartsWith(BigQueryPrefix, StringComparison.Ordinal) && r[BigQueryPrefix.Length..].Split('|').Length == 6)))
        {
            await output.WriteLineAsync($"error: expected {Switch} BOOTSTRAP TOPIC GROUP DLQ_TOPIC HIGH,HIGH,... IN_FLIGHT_RECORDS IN_FLIGHT_BYTES DLQ_PARALLELISM STAGE_CAPACITY [{ScrapeArgument}] [{DuckDbPrefix}MEMORY_LIMIT_MB | {BigQueryPrefix}WRITE|REST|PROJECT|DATASET|BATCHES_IN_FLIGHT|MAX_REQUEST_BYTES] [{KafkaPropertyPrefix}KEY=VALUE ...]");
            return 2;
        }

        var scrape = rest.Contains(ScrapeArgument);
        var duckDbMemoryLimitMb = rest.Where(static r => r.StartsWith(DuckDbPrefix, StringComparison.Ordinal))
            .Select(static r => (int?)int.Parse(r.AsSpan(DuckDbPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture)).LastOrDefault();
        var kafkaProperties = rest.Where(static r => r.StartsWith(KafkaPropertyPrefix, StringComparison.Ordinal))
            .Select(static r => r[KafkaPropertyPrefix.Length..].Split('=', 2))
            .ToDictionary(static kv => kv[0], static kv => kv[1], StringComparer.Ordinal);

        var options = new PipelineOptions
        {
            InFlightRecords = int.Parse(records, NumberStyles.None, CultureInfo.InvariantCulture),
            InFlightBytes = long.Parse(bytes, NumberStyles.None, CultureInfo.InvariantCulture),
            DeadLetterParallelism = int.Parse(deadLetterSends, NumberStyles.None, CultureInfo.InvariantCulture),
            StageCapacity = int.Parse(stageCapacity, NumberStyles.None, CultureInfo.InvariantCulture),
        };

        var highs = highList.Split(',').Select(static h => long.Parse(h, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
        var expected = highs.Sum();
        using var loggerFactory = LoggerFactory.Create(static b => b.AddSimpleConsole(static o => o.SingleLine = true).SetMinimumLevel(LogLevel.Error));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId}"));
        await output.FlushAsync();

        var bigQuery = rest.Where(static r => r.StartsWith(BigQueryPrefix, StringComparison.Ordinal))
            .Select(static r => FakeBigQueryProcess.SinkOptionsFor(r[BigQueryPrefix.Length..].Split('|'))).LastOrDefault();
        var holds = new TopicHolds();
        var nullSink = duckDbMemoryLimitMb is null && bigQuery is null ? new NullSink(highs) : null;
        var databasePath = ThroughputHarness.TempDatabase("backlog");
        ISink sink = (ISink?)nullSink
            ?? (bigQuery is not null
                ? await BigQuerySinkFactory.CreateAsync(bigQuery, RunningPipeline.Kafka(bootstrap, topic, groupId), holds, TimeProvider.System, loggerFactory, CancellationToken.None)
                : new DuckDbSink(new DuckDbSinkOptions { Path = databasePath, MemoryLimitMb = duckDbMemoryLimitMb!.Value }, TimeProvider.System));
        var samples = new BacklogSamples(expected);
        ResourceUsage usage;
        await using (sink)
        {
            // The listener starts, and answers one scrape, before the measurement, as in a service that has been up a
            // while: what the run measures is the cost of being scraped, not Kestrel's start-up and first-call JIT.
            RunningPipeline? running = null;
            await using var metrics = scrape ? await HealthEndpoint.StartAsync(new HealthOptions(), () => running!.Status, loggerFactory, port: 0) : null;
            if (metrics is not null)
            {
                using var warmUp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metrics.EndPoint.Port}") };
                await warmUp.GetByteArrayAsync(new Uri(HealthEndpoint.MetricsPath, UriKind.Relative));
            }

            await using var meter = ResourceMeter.Start();
            await using var pipeline = RunningPipeline.Start(bootstrap, topic, groupId, deadLetterTopic, sink, loggerFactory, holds, pipeline: options, kafkaProperties: kafkaProperties);
            running = pipeline;
            if (metrics is not null)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{MetricsScraper.PortLine}{metrics.EndPoint.Port}"));
                await output.FlushAsync();
            }

            using var stopSampling = new CancellationTokenSource();
            var sampler = SampleAsync(pipeline, samples, stopSampling.Token);
            await pipeline.WaitUntilAsync(p => p.Done >= expected, RunTimeout, $"all {expected:N0} records were done", output, CancellationToken.None);
            usage = await meter.StopAsync();
            await stopSampling.CancelAsync();
            await sampler;
            if (metrics is not null)
            {
                await output.WriteLineAsync(await ScrapeCpuAsync(metrics.EndPoint.Port));
            }

            await pipeline.StopAsync();
        }

        if (bigQuery is not null)
        {
            // The rows are in the fake's process: the harness, which runs it, reads them back and gives the verdict.
            await output.WriteLineAsync(new BacklogResult(expected, usage, samples, new IngestionVerdict(expected, 0, 0, 0, 0)).Format());
            await output.FlushAsync();
            return 0;
        }

        // After the measurement: the verdict's sets weigh far more than the pipeline did.
        var deadLetters = DeadLetterReader.ReadAll(bootstrap, deadLetterTopic, DeadLetterReadTimeout).Select(static d => (d.OriginalPartition, d.OriginalOffset));
        var produced = new List<(int Partition, long Offset)>((int)expected);
        for (var p = 0; p < highs.Length; p++)
        {
            for (var offset = 0L; offset < highs[p]; offset++)
            {
                produced.Add((p, offset));
            }
        }

        var rows = nullSink?.Positions() ?? ThroughputHarness.ReadPositions(databasePath, TableNames.ForTopic(topic));
        if (nullSink is null)
        {
            ThroughputHarness.DeleteDatabase(databasePath);
        }

        var verdict = IngestionVerdict.Compute(produced, rows, deadLetters);
        await output.WriteLineAsync(new BacklogResult(expected, usage, samples, verdict).Format());
        await output.FlushAsync();
        return verdict.Ok ? 0 : 1;
    }

    /// <summary>
    /// What one scrape costs the process, measured directly once the pipeline is idle (every record done, partitions
    /// caught up): CPU time over a burst of back-to-back scrapes, minus the idle process's CPU over as long a quiet
    /// spell. The client runs in this process, so the figure is an upper bound.
    /// </summary>
    private static async Task<string> ScrapeCpuAsync(int port)
    {
        const int Scrapes = 50;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var path = new Uri(HealthEndpoint.MetricsPath, UriKind.Relative);
        await http.GetByteArrayAsync(path);
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        self.Refresh();
        var before = self.TotalProcessorTime;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Scrapes; i++)
        {
            await http.GetByteArrayAsync(path);
        }

        var elapsed = clock.Elapsed;
        self.Refresh();
        var busy = self.TotalProcessorTime - before;
        await Task.Delay(elapsed);
        self.Refresh();
        var idle = self.TotalProcessorTime - before - busy;
        var perScrape = (busy - idle).TotalMilliseconds / Scrapes;
        return string.Create(CultureInfo.InvariantCulture, $"{ScrapeCpuLine}{Math.Max(0, perScrape):0.00}");
    }

    /// <summary>The line that gives one scrape's CPU milliseconds (<see cref="ScrapeCpuAsync"/>).</summary>
    public const string ScrapeCpuLine = "scrape-cpu-ms ";

    private static async Task SampleAsync(RunningPipeline pipeline, BacklogSamples samples, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var status = pipeline.Status;
                samples.Add(pipeline.Done, Environment.WorkingSet, status.InFlightRecords, status.InFlightBytes, status.Paused);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
