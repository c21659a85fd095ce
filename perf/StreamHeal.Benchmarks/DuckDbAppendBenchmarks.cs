using BenchmarkDotNet.Attributes;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Tables;

namespace StreamHeal.Benchmarks;

/// <summary>
/// Sink stage: one <see cref="DuckDbSink.WriteAsync"/> of a 5,000-row batch (the default <c>batch.maxRows</c>) into a
/// file-backed table that grows across iterations, as a running service's does. One operation is one batch, so rows per
/// second is 5,000 / Mean. <see cref="Partitions"/>: the rows of a batch spread round-robin over this many partitions;
/// the pipeline's batches span every partition it consumes, and the stored offsets cost per partition, not per row.
/// </summary>
[MemoryDiagnoser]
public class DuckDbAppendBenchmarks
{
    public const int BatchRows = 5_000;

    private string _directory = "";
    private DuckDbSink _sink = null!;
    private FlatRow[] _rows = [];
    private IReadOnlyList<TableColumn> _columns = [];
    private SinkBatch _batch = null!;
    private long[] _nextOffsets = [];

    [Params(1, 64)]
    public int Partitions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // As the pipeline hands rows to the sink: a string no column shares is still bytes of its event.
        var (rows, schema) = Corpus.FilteredJsonRowsInTheirBytes();
        _rows = rows[..BatchRows];
        _columns = schema.Current.Columns;
        _directory = Directory.CreateTempSubdirectory("streamheal-bench-").FullName;
        _sink = new DuckDbSink(new DuckDbSinkOptions { Path = Path.Combine(_directory, "bench.duckdb") }, TimeProvider.System);
        // Creating the table is start-up work, not part of a batch.
        _sink.EnsureTableAsync(Corpus.Table, _columns, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _nextOffsets = new long[Partitions];
    }

    [IterationSetup]
    public void NextBatch()
    {
        // Offsets keep increasing so the sink's exactly-once check never skips a replayed row.
        var timestamp = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var rows = new SinkRow[BatchRows];
        for (var i = 0; i < rows.Length; i++)
        {
            var partition = i % Partitions;
            rows[i] = new SinkRow(partition, _nextOffsets[partition]++, timestamp, _rows[i]);
        }

        _batch = new SinkBatch(Corpus.Table, Corpus.Topic, _columns, rows);
    }

    [Benchmark]
    public async Task<int> WriteBatch()
    {
        var result = await _sink.WriteAsync(_batch, CancellationToken.None);
        for (var i = 0; i < result.Count; i++)
        {
            if (result[i] != RowOutcome.Written)
            {
                throw new InvalidOperationException($"Row {i} was {result[i]}: {result.ErrorFor(i)}");
            }
        }

        return result.Count;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }
}
