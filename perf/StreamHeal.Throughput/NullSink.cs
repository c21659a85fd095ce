using StreamHeal.Sink;

namespace StreamHeal.Throughput;

/// <summary>
/// Accepts every row and does nothing else, except count each (partition, offset) it was given, so the run can prove
/// nothing was lost or duplicated. There is no row encoding here: the protobuf encoder arrives with the BigQuery sink.
/// </summary>
internal sealed class NullSink : ISink
{
    private readonly int[][] _counts;
    private readonly Dictionary<string, Dictionary<string, SinkColumn>> _tables = new(StringComparer.Ordinal);

    /// <param name="endOffsets">Per partition, the offset after the last produced record (the high watermark).</param>
    public NullSink(IReadOnlyList<long> endOffsets)
    {
        _counts = new int[endOffsets.Count][];
        for (var p = 0; p < _counts.Length; p++)
        {
            _counts[p] = new int[endOffsets[p]];
        }
    }

    public string Name => "null";

    public ValueTask<IReadOnlyList<SinkColumn>> EnsureTableAsync(string table, IReadOnlyList<SinkColumn> columns, CancellationToken cancellationToken)
    {
        lock (_tables)
        {
            if (!_tables.TryGetValue(table, out var known))
            {
                _tables[table] = known = new Dictionary<string, SinkColumn>(StringComparer.Ordinal);
            }

            foreach (var column in columns)
            {
                known.TryAdd(column.Name, column);
            }

            return ValueTask.FromResult<IReadOnlyList<SinkColumn>>([.. known.Values]);
        }
    }

    public ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        foreach (var row in batch.Rows)
        {
            // Outside the produced range means the harness and the topic disagree; fail loudly rather than miscount.
            if ((uint)row.Partition >= (uint)_counts.Length || (ulong)row.Offset >= (ulong)_counts[row.Partition].LongLength)
            {
                throw new InvalidOperationException($"Row {row.Partition}@{row.Offset} is outside the produced corpus.");
            }

            Interlocked.Increment(ref _counts[row.Partition][row.Offset]);
        }

        return ValueTask.FromResult(SinkBatchResult.AllWritten(batch.Rows.Count));
    }

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

    /// <summary>Every (partition, offset) written, once per write, for <see cref="Demo.IngestionVerdict"/>.</summary>
    public IEnumerable<(int Partition, long Offset)> Positions()
    {
        for (var p = 0; p < _counts.Length; p++)
        {
            var counts = _counts[p];
            for (var offset = 0L; offset < counts.LongLength; offset++)
            {
                for (var n = 0; n < counts[offset]; n++)
                {
                    yield return (p, offset);
                }
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
