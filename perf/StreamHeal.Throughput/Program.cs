using System.CommandLine;
using Microsoft.Extensions.Logging;
using StreamHeal.Pipeline;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Throughput;

// The harness's own child: the BigQuery fake, kept out of the measured process (FakeBigQueryProcess starts it).
if (args is [FakeBigQueryServer.Switch, var networkDelayMs])
{
    return await FakeBigQueryServer.RunAsync(TimeSpan.FromMilliseconds(int.Parse(networkDelayMs, System.Globalization.CultureInfo.InvariantCulture)), Console.In, Console.Out);
}

// The backlog check's child: run (b) alone over one pre-produced topic (BacklogCheck starts it).
if (args is [BacklogPipelineServer.Switch, .. var pipelineArgs])
{
    return await BacklogPipelineServer.RunAsync(pipelineArgs, Console.Out);
}

var events = new Option<long>("--events") { Description = "Events in the pre-produced corpus (the demo's mix, about 300 bytes each).", DefaultValueFactory = _ => 2_000_000 };
var partitions = new Option<int>("--partitions") { Description = "Partitions of the corpus topic (the mock keeps at most 5 MiB per partition).", DefaultValueFactory = _ => 64 };
var sustainedSeconds = new Option<int>("--sustained-seconds") { Description = "Length of the fixed-rate latency run into DuckDB; 0 skips it.", DefaultValueFactory = _ => 60 };
var backlogCheck = new Option<long[]>("--backlog-check")
{
    Description = "Instead of the comparison: run (b) in a child process over a pre-produced backlog of each size given (e.g. 1000000 5000000; "
        + "all with --partitions partitions) and write its peak RSS into the report's bounded-memory section, leaving the rest of the report as it is.",
    AllowMultipleArgumentsPerToken = true,
};
var inFlightRecords = new Option<int>("--in-flight-records") { Description = "With --backlog-check: pipeline.inFlightRecords of the pipeline child.", DefaultValueFactory = _ => PipelineOptions.DefaultInFlightRecords };
var inFlightBytes = new Option<long>("--in-flight-bytes") { Description = "With --backlog-check: pipeline.inFlightBytes of the pipeline child.", DefaultValueFactory = _ => PipelineOptions.DefaultInFlightBytes };
var deadLetterParallelism = new Option<int>("--dead-letter-parallelism") { Description = "With --backlog-check: pipeline.deadLetterParallelism of the pipeline child.", DefaultValueFactory = _ => new PipelineOptions().DeadLetterParallelism };
var stageCapacity = new Option<int>("--stage-capacity") { Description = "With --backlog-check: pipeline.stageCapacity of the pipeline child.", DefaultValueFactory = _ => PipelineOptions.DefaultStageCapacity };
var kafkaProperty = new Option<string[]>("--kafka-property")
{
    Description = "With --backlog-check: a librdkafka setting for the pipeline child's consumer, key=value, as kafka.properties in the service's configuration (repeat it for more); the raw consumer keeps the defaults.",
};
var backlogDuckDb = new Option<int?>("--backlog-duckdb")
{
    Description = "With --backlog-check: run (c), into DuckDB in a temporary file with this sink.duckdb.memoryLimitMb, instead of (b).",
};
var backlogBigQuery = new Option<bool>("--backlog-bigquery")
{
    Description = "With --backlog-check: run (d), into the BigQuery fake (started in a child process of its own), instead of (b).",
};
var sustainedRate = new Option<double>("--sustained-rate")
{
    Description = "Instead of the comparison: only the fixed-rate latency run into DuckDB at this many events/s for --sustained-seconds; prints the result, writes no report.",
};
var sustainedBigQuery = new Option<bool>("--sustained-bigquery")
{
    Description = "With --sustained-rate: the latency run goes into the BigQuery fake (started in a child process of its own) instead of DuckDB.",
};
var bigQueryBatchesInFlight = new Option<int>("--bigquery-batches-in-flight")
{
    Description = "sink.bigquery.batchesInFlightPerTable of every run into the BigQuery fake.",
    DefaultValueFactory = _ => new BigQuerySinkOptions().BatchesInFlightPerTable,
};
var bigQueryMaxRequestBytes = new Option<int>("--bigquery-max-request-bytes")
{
    Description = "sink.bigquery.maxRequestBytes of every run into the BigQuery fake.",
    DefaultValueFactory = _ => new BigQuerySinkOptions().MaxRequestBytes,
};
var bigQueryNetworkDelay = new Option<int>("--bigquery-network-delay-ms")
{
    Description = "Held by the BigQuery fake before each append's answer, as a network between the sink and BigQuery would add (appends pipelined on a connection overlap theirs). Default 0.",
};
var scrapeCheck = new Option<int>("--scrape-check")
{
    Description = "Instead of the comparison: run (b) over --events events this many times without and as many with /metrics scraped every second, "
        + "alternating, and write the report to perf/results/scrape-cost.md.",
};
var partitionScaling = new Option<int[]>("--partition-scaling")
{
    Description = "Instead of the comparison: run (b) and (c), each followed by the raw consumer, over --events events on each partition count given (e.g. 16 64 256 1024; "
        + "the corpus must fit 5 MiB per partition at the smallest) and write the report to perf/results/partition-scaling.md.",
    AllowMultipleArgumentsPerToken = true,
};
var output = new Option<string>("--output") { Description = "Where to write the markdown report.", DefaultValueFactory = _ => "perf/results/throughput.md" };
var root = new RootCommand(
    "End-to-end throughput on the mock Kafka cluster: (a) raw consumer ceiling, (b) StreamHeal into a null sink, (c) StreamHeal into DuckDB, "
    + "(d) StreamHeal into the BigQuery fake over gRPC (in a child process), then end-to-end latency at 50% of (b)'s rate. Exits 1 when any run lost or duplicated records, 2 on usage errors.")
{
    events, partitions, sustainedSeconds, sustainedRate, sustainedBigQuery, bigQueryBatchesInFlight, bigQueryMaxRequestBytes, bigQueryNetworkDelay, backlogCheck, scrapeCheck, partitionScaling, inFlightRecords, inFlightBytes, deadLetterParallelism, stageCapacity, kafkaProperty, backlogDuckDb, backlogBigQuery, output,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var options = new HarnessOptions(
        parse.GetValue(events), parse.GetValue(partitions), parse.GetValue(sustainedSeconds), parse.GetValue(output)!,
        "dotnet run --project perf/StreamHeal.Throughput -c Release" + (args.Length == 0 ? "" : " -- " + string.Join(' ', args)))
    {
        BigQuery = new BigQueryRunSettings(parse.GetValue(bigQueryBatchesInFlight), parse.GetValue(bigQueryMaxRequestBytes), parse.GetValue(bigQueryNetworkDelay)),
    };
    if (options.Events < 1 || options.Partitions is < 1 or > 1_000 || options.SustainedSeconds < 0 || string.IsNullOrWhiteSpace(options.Output)
        || options.BigQuery.BatchesInFlightPerTable is < 1 or > 64 || options.BigQuery.MaxRequestBytes is < 64 * 1024 or > 10_000_000
        || options.BigQuery.FakeNetworkDelayMs is < 0 or > 10_000)
    {
        await Console.Error.WriteLineAsync("--events must be at least 1, --partitions between 1 and 1000, --sustained-seconds at least 0, --bigquery-batches-in-flight between 1 and 64, "
            + "--bigquery-max-request-bytes between 65536 and 10000000, --bigquery-network-delay-ms between 0 and 10000, --output a file path.");
        return 2;
    }

    if (parse.GetValue(backlogCheck) is { Length: > 0 } sizes)
    {
        var pipeline = new PipelineOptions
        {
            InFlightRecords = parse.GetValue(inFlightRecords),
            InFlightBytes = parse.GetValue(inFlightBytes),
            DeadLetterParallelism = parse.GetValue(deadLetterParallelism),
            StageCapacity = parse.GetValue(stageCapacity),
        };
        var problems = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var properties = parse.GetValue(kafkaProperty) ?? [];
        var duckDb = parse.GetValue(backlogDuckDb);
        var bigQuery = parse.GetValue(backlogBigQuery);
        if (sizes.Any(static s => s < 1)
            || duckDb < DuckDbSinkOptions.MinMemoryLimitMb
            || (bigQuery && duckDb is not null)
            || !System.ComponentModel.DataAnnotations.Validator.TryValidateObject(pipeline, new(pipeline), problems, validateAllProperties: true)
            || !Array.TrueForAll(properties, static p => p.IndexOf('=', StringComparison.Ordinal) > 0))
        {
            await Console.Error.WriteLineAsync($"--backlog-check takes event counts of at least 1, --kafka-property key=value, --backlog-duckdb at least {DuckDbSinkOptions.MinMemoryLimitMb} (MiB) or --backlog-bigquery, not both; " + string.Join(' ', problems.Select(static p => p.ErrorMessage)));
            return 2;
        }

        var loadBefore = ResourceMeter.LoadAverages();
        var runs = await new BacklogCheck(sizes, options.Partitions, pipeline, Console.Out) { KafkaProperties = properties, DuckDbMemoryLimitMb = duckDb, BigQuery = bigQuery, BigQuerySettings = options.BigQuery }.RunAsync(cancellationToken);
        var section = BacklogReport.Render(runs, options.Partitions, pipeline, properties, duckDb, options.CommandLine, loadBefore, ResourceMeter.LoadAverages(), bigQuery, options.BigQuery);
        await BacklogReport.WriteIntoAsync(options.Output, BacklogReport.HeadingFor(pipeline, properties, duckDb, bigQuery, options.BigQuery), section, cancellationToken);
        Console.WriteLine($"bounded-memory section written into {options.Output}");
        return runs.All(static r => r.Result.Verdict.Ok) ? 0 : 1;
    }

    if (parse.GetValue(scrapeCheck) is > 0 and var pairs)
    {
        var scrapeReport = await new ScrapeCostCheck(options.Events, options.Partitions, pairs, Console.Out).RunAsync(options.CommandLine, cancellationToken);
        const string ScrapeReport = "perf/results/scrape-cost.md";
        await File.WriteAllTextAsync(ScrapeReport, scrapeReport, cancellationToken);
        Console.WriteLine(scrapeReport.Split('\n')[0]);
        Console.WriteLine($"report written to {ScrapeReport}");
        return 0;
    }

    if (parse.GetValue(partitionScaling) is { Length: > 0 } counts)
    {
        if (counts.Any(static c => c is < 1 or > 1_024))
        {
            await Console.Error.WriteLineAsync("--partition-scaling takes partition counts between 1 and 1024.");
            return 2;
        }

        var (scalingReport, ok) = await new PartitionScalingCheck(options.Events, counts, Console.Out).RunAsync(options.CommandLine, cancellationToken);
        const string ScalingReport = "perf/results/partition-scaling.md";
        await File.WriteAllTextAsync(ScalingReport, scalingReport, cancellationToken);
        Console.WriteLine(scalingReport.Split('\n')[0]);
        Console.WriteLine($"report written to {ScalingReport}");
        return ok ? 0 : 1;
    }

    if (parse.GetValue(sustainedRate) is > 0 and var rate)
    {
        using var quiet = LoggerFactory.Create(static b => b.AddSimpleConsole(static o => o.SingleLine = true).SetMinimumLevel(LogLevel.Error));
        var run = await new ThroughputHarness(options with { SustainedSeconds = Math.Max(1, options.SustainedSeconds) }, quiet, Console.Out)
            .RunSustainedOnlyAsync(rate, parse.GetValue(sustainedBigQuery), cancellationToken);
        Console.WriteLine(ThroughputReport.SustainedOnly(run));
        return run.Verdict.Ok ? 0 : 1;
    }

    // Errors only, as the demo: every dead-lettered poison record is a warning, and printing thousands of them would be
    // measured as pipeline cost.
    using var loggerFactory = LoggerFactory.Create(static b => b.AddSimpleConsole(static o => o.SingleLine = true).SetMinimumLevel(LogLevel.Error));
    var result = await new ThroughputHarness(options, loggerFactory, Console.Out).RunAsync(cancellationToken);
    var report = ThroughputReport.Render(result);
    var directory = Path.GetDirectoryName(Path.GetFullPath(options.Output));
    if (directory is not null)
    {
        Directory.CreateDirectory(directory);
    }

    await File.WriteAllTextAsync(options.Output, report, cancellationToken);
    await ThroughputCharts.WriteAsync(options.Output, result, cancellationToken);
    Console.WriteLine(ThroughputReport.FirstLine(result));
    Console.WriteLine($"report written to {options.Output}");
    return result.Ok ? 0 : 1;
});

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // System.CommandLine reports parse errors with 1, which here means "records were lost or duplicated".
    await parsed.InvokeAsync();
    return 2;
}

return await parsed.InvokeAsync();
