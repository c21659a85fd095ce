using StreamHeal.Sink;
using StreamHeal.Tables;

namespace StreamHeal.Throughput;

/// <summary>
/// Accepts every row and does nothing else, except note each (partition, offset) it was given, so the run can prove
/// nothing was lost or duplicated. There is no row encoding here: (d) adds the BigQuery sink's. The notes are one bit
/// per produced offset (625 KB for 5,000,000 events) plus a dictionary of the rare repeats, so the sink's own memory
/// hardly grows with the corpus and the backlog check measures the pipeline, not this bookkeeping.
/// </summary>
internal sealed class NullSink : ISink
{
    private readonly long[][] _seen;
    private readonly long[] _ends;
    private readonly Dictionary<(int Partition, long Offset), int> _repeats = [];
    private readonly Dictionary<string, Dictionary<string, TableColumn>> _tables = new(StringComparer.Ordinal);

    /// <param name="endOffsets">Per partition, the offset after the last produced record (the high watermark).</param>
    public NullSink(IReadOnlyList<long> endOffsets)
    {
        _ends = [.. endOffsets];
        _seen = new long[endOffsets.Count][];
        for (var p = 0; p < _seen.Length; p++)
        {
            _seen[p] = new long[(endOffsets[p] + 63) / 64];
        }
    }

    public string Name => "null";

    public bool WritesTablesConcurrently => false;

    public int BatchesInFlightPerTable => 1;

    public string? StatusLine => null;

    public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions)
    {
    }

    public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken)
    {
        lock (_tables)
        {
            if (!_tables.TryGetValue(table, out var known))
            {
                _tables[table] = known = new Dictionary<string, TableColumn>(StringComparer.Ordinal);
            }

            foreach (var column in columns)
            {
                known.TryAdd(column.Name, column);
            }

            return ValueTask.FromResult<IReadOnlyList<TableColumn>>([.. known.Values]);
        }
    }

    public ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        foreach (var row in batch.Rows)
        {
            // Outside the produced range means the harness and the topic disagree; fail loudly rather than miscount.
            if ((uint)row.Partition >= (uint)_seen.Length || (ulong)row.Offset >= (ulong)_ends[row.Partition])
            {
                throw new InvalidOperationException($"Row {row.Partition}@{row.Offset} is outside the produced corpus.");
            }

            var bit = 1L << (int)(row.Offset & 63);
            if ((Interlocked.Or(ref _seen[row.Partition][row.Offset >> 6], bit) & bit) != 0)
            {
                lock (_repeats)
                {
                    _repeats[(row.Partition, row.Offset)] = _repeats.GetValueOrDefault((row.Partition, row.Offset)) + 1;
                }
            }
        }

        return ValueTask.FromResult(SinkBatchResult.AllWritten(batch.Rows.Count));
    }

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

    /// <summary>Every (partition, offset) written, once per write, for <see cref="StreamHeal.Dev.Demo.IngestionVerdict"/>.</summary>
    public IEnumerable<(int Partition, long Offset)> Positions()
    {
        for (var p = 0; p < _seen.Length; p++)
        {
            for (var offset = 0L; offset < _ends[p]; offset++)
            {
                if ((_seen[p][offset >> 6] & (1L << (int)(offset & 63))) != 0)
                {
                    yield return (p, offset);
                }
            }
        }

        foreach (var ((partition, offset), repeats) in _repeats)
        {
            for (var n = 0; n < repeats; n++)
            {
                yield return (partition, offset);
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
