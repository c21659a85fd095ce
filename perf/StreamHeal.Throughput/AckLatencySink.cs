using StreamHeal.Sink;
using StreamHeal.Tables;

namespace StreamHeal.Throughput;

/// <summary>
/// Wraps a sink and records, for every row it confirms, the time from the Kafka message timestamp (set by the producer
/// when it sent the event) to the moment the sink's write returned: the end-to-end latency a reader of the table sees.
/// It splits that latency in two, so a tail can be placed: the time until the row's batch reached the sink (Kafka,
/// the pipeline's stages, the batch linger, the sink queue) and the time the sink's write of that batch took.
/// </summary>
internal sealed class AckLatencySink(ISink inner, long capacity) : ISink
{
    // Milliseconds as float: a few million samples stay small, and sub-millisecond precision is not the question.
    private readonly float[] _samples = new float[capacity];
    private readonly float[] _beforeWrite = new float[capacity];
    private readonly List<(int Rows, float Milliseconds)> _writes = [];
    private long _count;

    public string Name => inner.Name;

    public bool WritesTablesConcurrently => inner.WritesTablesConcurrently;

    public int BatchesInFlightPerTable => inner.BatchesInFlightPerTable;

    public string? StatusLine => inner.StatusLine;

    public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions) => inner.PartitionsAssigned(topic, partitions);

    public long Count => Math.Min(Interlocked.Read(ref _count), _samples.LongLength);

    public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken) =>
        inner.EnsureTableAsync(table, columns, cancellationToken);

    public async ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var result = await inner.WriteAsync(batch, cancellationToken);
        var acked = DateTimeOffset.UtcNow;
        lock (_writes)
        {
            _writes.Add((batch.Rows.Count, (float)(acked - started).TotalMilliseconds));
        }

        for (var i = 0; i < result.Count; i++)
        {
            if (result[i] != RowOutcome.Written)
            {
                continue;
            }

            var slot = Interlocked.Increment(ref _count) - 1;
            if (slot < _samples.LongLength)
            {
                _samples[slot] = (float)(acked - batch.Rows[i].Timestamp).TotalMilliseconds;
                _beforeWrite[slot] = (float)(started - batch.Rows[i].Timestamp).TotalMilliseconds;
            }
        }

        return result;
    }

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        inner.GetResumeOffsetsAsync(table, topic, cancellationToken);

    /// <summary>Nearest-rank percentiles (0..100) of the recorded latencies, in milliseconds.</summary>
    public LatencyPercentiles Percentiles() => LatencyPercentiles.Of(_samples.AsSpan(0, (int)Count).ToArray());

    /// <summary>Percentiles of the part of each row's latency before its batch's write started.</summary>
    public LatencyPercentiles BeforeWritePercentiles() => LatencyPercentiles.Of(_beforeWrite.AsSpan(0, (int)Count).ToArray());

    /// <summary>Percentiles of the sink's write time per batch, and the batches' average row count.</summary>
    public (LatencyPercentiles PerBatch, double AverageRows) WritePercentiles()
    {
        lock (_writes)
        {
            var rows = _writes.Count == 0 ? 0 : _writes.Average(static w => w.Rows);
            return (LatencyPercentiles.Of([.. _writes.Select(static w => w.Milliseconds)]), rows);
        }
    }

    /// <summary>Forgets every sample so far (rows written before the measured load started).</summary>
    public void Reset()
    {
        lock (_writes)
        {
            _writes.Clear();
        }

        Interlocked.Exchange(ref _count, 0);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

internal sealed record LatencyPercentiles(long Samples, double P50, double P95, double P99, double Max)
{
    /// <summary>Nearest-rank percentiles of <paramref name="samples"/> (sorted in place).</summary>
    public static LatencyPercentiles Of(float[] samples)
    {
        Array.Sort(samples);
        return new LatencyPercentiles(samples.Length, At(samples, 50), At(samples, 95), At(samples, 99), samples.Length == 0 ? 0 : samples[^1]);
    }

    private static double At(float[] sorted, double percentile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
