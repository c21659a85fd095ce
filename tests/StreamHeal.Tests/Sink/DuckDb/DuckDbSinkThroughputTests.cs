using System.Diagnostics;
using StreamHeal.Records;
using StreamHeal.Sink;
using Xunit;
using Xunit.Abstractions;
using static StreamHeal.Tests.Sink.DuckDb.DuckDbTestFile;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Sink.DuckDb;

public sealed class DuckDbSinkThroughputTests(ITestOutputHelper output) : IDisposable
{
    private const int BatchRows = 5_000;
    private const int Batches = 20;
    private const int Partitions = 8;

    private readonly DuckDbTestFile _file = new();

    [Fact]
    public async Task A_100k_row_batch_sequence_is_written_once_each()
    {
        TableColumn[] columns =
        [
            new("user_id", ColumnType.Int64), new("event", ColumnType.String), new("amount", ColumnType.Float64),
            new("country", ColumnType.String), new("ok", ColumnType.Bool), new("at", ColumnType.Timestamp),
            new("props", ColumnType.Json), new("price", ColumnType.Numeric),
        ];
        var batches = new SinkBatch[Batches];
        for (var b = 0; b < Batches; b++)
        {
            var rows = new SinkRow[BatchRows];
            for (var i = 0; i < BatchRows; i++)
            {
                var n = (long)b * BatchRows + i;
                rows[i] = Row(
                    (int)(n % Partitions),
                    n / Partitions,
                    ("user_id", FieldValue.FromInt64(n)),
                    ("event", FieldValue.FromString("page_view")),
                    ("amount", FieldValue.FromDouble(n * 0.25)),
                    ("country", FieldValue.FromString("DE")),
                    ("ok", FieldValue.FromBool((n & 1) == 0)),
                    ("at", FieldValue.FromString("2024-05-06T07:08:09Z")),
                    ("props", FieldValue.FromJson("""{"k":1}""")),
                    ("price", FieldValue.FromInt64(n % 1000)));
            }

            batches[b] = MakeBatch("throughput", rows, columns);
        }

        await using var sink = _file.OpenSink();
        await sink.EnsureTableAsync("throughput", columns, CancellationToken.None);
        var watch = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            await sink.WriteAsync(batch, CancellationToken.None);
        }

        watch.Stop();
        output.WriteLine($"{Batches * BatchRows:N0} rows in {Batches} batches of {BatchRows:N0}: {Batches * BatchRows / watch.Elapsed.TotalSeconds:N0} rows/s ({watch.ElapsedMilliseconds} ms)");

        using var reader = _file.OpenReader();
        Assert.Equal(Batches * BatchRows, reader.CountRows("throughput"));
        Assert.Equal(0, reader.CountDuplicates("throughput"));
        Assert.All(reader.SummarizePartitions("throughput").Values, s => Assert.Equal(0, s.Gaps));
    }

    public void Dispose() => _file.Dispose();
}
