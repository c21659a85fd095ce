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

/// <summary>The fixed-rate run into DuckDB.</summary>
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
    ResourceUsage Usage);

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
    string LoadBefore,
    string LoadAfter)
{
    /// <summary>The faster of the two ceiling measurements: the ratios divide by it.</summary>
    public RunResult Ceiling => CeilingAfter.EventsPerSecond > CeilingBefore.EventsPerSecond ? CeilingAfter : CeilingBefore;

    public long Lost => NullSink.Lost + DuckDb.Lost + BigQuery.Lost + (Sustained?.Verdict.Missing ?? 0) + (SustainedAtDuckDbRate?.Verdict.Missing ?? 0);

    public long Duplicated => NullSink.Duplicated + DuckDb.Duplicated + BigQuery.Duplicated + (Sustained?.Verdict.Duplicates ?? 0) + (SustainedAtDuckDbRate?.Verdict.Duplicates ?? 0);

    public bool Ok => Lost == 0 && Duplicated == 0
        && NullSink.Verdict is { Ok: true } && DuckDb.Verdict is { Ok: true } && BigQuery.Verdict is { Ok: true } && Sustained?.Verdict.Ok != false && SustainedAtDuckDbRate?.Verdict.Ok != false;
}

/// <summary>The command line, validated.</summary>
internal sealed record HarnessOptions(long Events, int Partitions, int SustainedSeconds, string Output, string CommandLine);
