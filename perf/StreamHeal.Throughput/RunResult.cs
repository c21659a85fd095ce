using StreamHeal.Dev.Demo;

namespace StreamHeal.Throughput;

/// <summary>One measured run over the whole corpus.</summary>
/// <param name="Verdict">Read back from the sink and the DLQ; null for the raw consumer, which has neither.</param>
internal sealed record RunResult(string Key, string Title, long Events, long ValueBytes, ResourceUsage Usage, IngestionVerdict? Verdict)
{
    public double EventsPerSecond => Events / Math.Max(Usage.Elapsed.TotalSeconds, 0.001);

    /// <summary>Message value bytes per second, in MB (10^6 bytes).</summary>
    public double MegabytesPerSecond => ValueBytes / 1e6 / Math.Max(Usage.Elapsed.TotalSeconds, 0.001);

    public double CpuSecondsPerMillion => Usage.Cpu.TotalSeconds / (Events / 1e6);

    public long Lost => Verdict?.Missing ?? 0;

    public long Duplicated => Verdict?.Duplicates ?? 0;
}

/// <summary>What run (d) reports beyond a <see cref="RunResult"/>.</summary>
/// <param name="FakeCpu">CPU time of the fake's child process during the run: decoding and storing every appended row.</param>
/// <param name="FakePeakRssBytes">The fake process's VmHWM over its whole life (it holds every row it was sent, warm-up included).</param>
/// <param name="Held">Time the sink held the table while BigQuery (the fake's 3 s propagation delay) did not yet show a new column.</param>
/// <param name="Stats">The sink's own counters at the end (appends, throttles, reconnects, row errors).</param>
internal sealed record BigQueryDetails(string Delivery, TimeSpan FakeCpu, long FakePeakRssBytes, TimeSpan Held, string Stats);

/// <summary>A fixed-rate run into DuckDB or into the BigQuery fake.</summary>
/// <param name="Usage">From the first produced event until every record was done; the paced producer runs in this process too.</param>
/// <param name="Basis">What the rate is half of: <c>(b)</c>, as the targets define it, or <c>(c)</c>.</param>
internal sealed record SustainedResult(
    string Basis,
    string Topic,
    int Partitions,
    double TargetPerSecond,
    ProducedCorpus Produced,
    LatencyPercentiles Latency,
    LatencyPercentiles BeforeWrite,
    LatencyPercentiles WritePerBatch,
    double RowsPerBatch,
    IngestionVerdict Verdict,
    TimeSpan DrainAfterProducing,
    ResourceUsage Usage)
{
    /// <summary>Where the rows went: <c>DuckDB</c> or <c>the BigQuery fake</c>.</summary>
    public string Into { get; init; } = "DuckDB";
}

/// <summary>Everything the report needs.</summary>
internal sealed record HarnessResult(
    HarnessOptions Options,
    ProducedCorpus Corpus,
    int Brokers,
    RunResult CeilingBefore,
    RunResult CeilingAfter,
    RunResult NullSink,
    RunResult DuckDb,
    RunResult BigQuery,
    BigQueryDetails BigQueryDetails,
    SustainedResult? Sustained,
    SustainedResult? SustainedAtDuckDbRate,
    SustainedResult? SustainedIntoBigQuery,
    string LoadBefore,
    string LoadAfter)
{
    /// <summary>The faster of the two ceiling measurements: the ratios divide by it.</summary>
    public RunResult Ceiling => CeilingAfter.EventsPerSecond > CeilingBefore.EventsPerSecond ? CeilingAfter : CeilingBefore;

    public IEnumerable<SustainedResult> SustainedRuns => new[] { Sustained, SustainedAtDuckDbRate, SustainedIntoBigQuery }.OfType<SustainedResult>();

    public long Lost => NullSink.Lost + DuckDb.Lost + BigQuery.Lost + SustainedRuns.Sum(static s => s.Verdict.Missing);

    public long Duplicated => NullSink.Duplicated + DuckDb.Duplicated + BigQuery.Duplicated + SustainedRuns.Sum(static s => s.Verdict.Duplicates);

    public bool Ok => Lost == 0 && Duplicated == 0
        && NullSink.Verdict is { Ok: true } && DuckDb.Verdict is { Ok: true } && BigQuery.Verdict is { Ok: true } && SustainedRuns.All(static s => s.Verdict.Ok);
}

/// <summary>The command line, validated.</summary>
internal sealed record HarnessOptions(long Events, int Partitions, int SustainedSeconds, string Output, string CommandLine)
{
    /// <summary>The BigQuery sink settings of the runs into the BigQuery fake.</summary>
    public BigQueryRunSettings BigQuery { get; init; } = BigQueryRunSettings.Shipped;
}
