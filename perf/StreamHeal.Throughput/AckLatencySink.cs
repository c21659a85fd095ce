using StreamHeal.Sink;

namespace StreamHeal.Throughput;

/// <summary>
/// Wraps a sink and records, for every row it confirms, the time from the Kafka message timestamp (set by the producer
/// when it sent the event) to the moment the sink's write returned: the end-to-end latency a reader of the table sees.
/// </summary>
internal sealed class AckLatencySink(ISink inner, long capacity) : ISink
{
    // Milliseconds as float: a few million samples stay small, and sub-millisecond precision is not the question.
    private readonly float[] _samples = new float[capacity];
    private long _count;

    public string Name => inner.Name;

    public long Count => Math.Min(Interlocked.Read(ref _count), _samples.LongLength);

    public ValueTask<IReadOnlyList<SinkColumn>> EnsureTableAsync(string table, IReadOnlyList<SinkColumn> columns, CancellationToken cancellationToken) =>
        inner.EnsureTableAsync(table, columns, cancellationToken);

    public async ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        var result = await inner.WriteAsync(batch, cancellationToken);
        var acked = DateTimeOffset.UtcNow;
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
            }
        }

        return result;
    }

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        inner.GetResumeOffsetsAsync(table, topic, cancellationToken);

    /// <summary>Nearest-rank percentiles (0..100) of the recorded latencies, in milliseconds.</summary>
    public LatencyPercentiles Percentiles()
    {
        var sorted = _samples.AsSpan(0, (int)Count).ToArray();
        Array.Sort(sorted);
        return new LatencyPercentiles(sorted.Length, At(sorted, 50), At(sorted, 95), At(sorted, 99), sorted.Length == 0 ? 0 : sorted[^1]);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private static double At(float[] sorted, double percentile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}

internal sealed record LatencyPercentiles(long Samples, double P50, double P95, double P99, double Max);
