using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Pipeline;

/// <summary>Capacities and parallelism of the dataflow graph. Bound from the <c>pipeline</c> section.</summary>
public sealed class PipelineOptions : IValidatableObject
{
    public const string SectionName = "pipeline";
    public const long DefaultInFlightBytes = 128L * 1024 * 1024;
    public const int DefaultInFlightRecords = 200_000;
    public const int DefaultStageCapacity = 2_048;

    /// <summary>
    /// Bytes held between poll and sink ack, over all partitions. When reached, the poll loop pauses every assigned
    /// partition until usage falls below <see cref="ResumeBelowPercent"/>. librdkafka's own prefetch is derived from it
    /// (a quarter, at most 64 MiB). Default 128 MiB: the throughput harness kept peak RSS near 300–350 MB with it for 1M- and 5M-event backlogs, at no cost in events/s.
    /// </summary>
    [Range(1L * 1024 * 1024, 64L * 1024 * 1024 * 1024)]
    public long InFlightBytes { get; set; } = DefaultInFlightBytes;

    /// <summary>Records held between poll and sink ack. Default 200,000.</summary>
    [Range(100, 10_000_000)]
    public int InFlightRecords { get; set; } = DefaultInFlightRecords;

    /// <summary>Paused partitions resume when usage falls below this percent of both budgets. Default 50.</summary>
    [Range(1, 99)]
    public int ResumeBelowPercent { get; set; } = 50;

    /// <summary>
    /// Bounded capacity of each record stage (decode, flatten, compat-filter, batch, DLQ), in records. The stages from
    /// decode to batch take records in per-partition chunks and hold one chunk per 32 records of it. Default 2,048.
    /// </summary>
    [Range(1, 1_000_000)]
    public int StageCapacity { get; set; } = DefaultStageCapacity;

    /// <summary>Decode workers. Default: half the processors, at least 1.</summary>
    [Range(1, 256)]
    public int DecodeParallelism { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// Flatten workers, each on a chunk of its own (output stays in order). Default: the processor count; flatten is
    /// the costliest stage per record, and on 2 cores the harness measured its queue full with one worker.
    /// </summary>
    [Range(1, 256)]
    public int FlattenParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>Compat-filter workers. Default 1 (schema changes are rare; one worker keeps first-type-wins simple to reason about).</summary>
    [Range(1, 256)]
    public int CompatFilterParallelism { get; set; } = 1;

    /// <summary>
    /// Batches queued in front of the sink: in its router, and in each table's lane, the one being written included (a
    /// lane stalled on its own table — held for a new column or a refused table, or retrying a failed write — takes its
    /// batches past this bound, so that it does not hold up the other tables). Default 1: with one batch written per
    /// lane, one in the router waiting for its lane and one being built, a sink that is the bottleneck never waits for
    /// work, and every further batch is records held in memory (DuckDB ran as fast with 1 as with 4, with ~30,000 fewer
    /// records in flight; the BigQuery sink held ~100,000 records in flight with its lanes unbounded, ~25,000 with this
    /// bound).
    /// </summary>
    [Range(1, 1_000)]
    public int SinkQueueBatches { get; set; } = 1;

    /// <summary>
    /// Concurrent DLQ sends. Default 64: each send waits for acks=all, so at 0.5% poison and ~150,000 events/s 8 sends
    /// in flight could not keep up and the DLQ queue stalled decode and flatten (measured by the harness).
    /// </summary>
    [Range(1, 1_000)]
    public int DeadLetterParallelism { get; set; } = 64;

    /// <summary>How long shutdown waits for in-flight records to finish before committing what is complete. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a revoke waits for the revoked partitions' in-flight records. Keep below the session timeout. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RevokeDrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public int PrefetchKBytes => (int)Math.Clamp(InFlightBytes / 4 / 1024, 1024, 64 * 1024);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InFlightRecords < StageCapacity)
        {
            yield return new ValidationResult(
                $"pipeline.inFlightRecords ({InFlightRecords}) must be at least pipeline.stageCapacity ({StageCapacity}).",
                [nameof(InFlightRecords)]);
        }
    }
}
