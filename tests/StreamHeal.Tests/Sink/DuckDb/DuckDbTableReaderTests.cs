using Xunit;
using static StreamHeal.Tests.Sink.DuckDb.DuckDbTestFile;

namespace StreamHeal.Tests.Sink.DuckDb;

public sealed class DuckDbTableReaderTests : IDisposable
{
    private readonly DuckDbTestFile _file = new();

    [Fact]
    public async Task Reads_a_file_the_sink_in_this_process_holds_open()
    {
        await using var sink = _file.OpenSink();
        await sink.WriteAsync(MakeBatch("open_file", Rows(0, 0, 3)), CancellationToken.None);

        using var reader = _file.OpenReader();
        Assert.Equal(3, reader.CountRows("open_file"));

        // The sink keeps writing while the reader is open; the reader sees each committed batch.
        await sink.WriteAsync(MakeBatch("open_file", Rows(1, 0, 2)), CancellationToken.None);
        Assert.Equal([(0, 0L), (0, 1L), (0, 2L), (1, 0L), (1, 1L)], reader.ReadPositions("open_file"));
        Assert.Equal(new Dictionary<int, long> { [0] = 3, [1] = 2 }, reader.ReadNextOffsets("open_file", Topic));
    }

    [Fact]
    public async Task Reads_a_closed_file_and_counts_duplicates_where_no_key_prevents_them()
    {
        await using (var sink = _file.OpenSink())
        {
            await sink.WriteAsync(MakeBatch("closed_file", Rows(0, 0, 2)), CancellationToken.None);
        }

        _file.Execute("CREATE TABLE unkeyed AS SELECT * FROM closed_file; INSERT INTO unkeyed SELECT * FROM closed_file WHERE _kafka_offset = 1");

        using var reader = _file.OpenReader();
        Assert.Equal(0, reader.CountDuplicates("closed_file"));
        Assert.Equal(3, reader.CountRows("unkeyed"));
        Assert.Equal(1, reader.CountDuplicates("unkeyed"));
        Assert.Contains(("_kafka_offset", "BIGINT"), reader.ReadColumns("closed_file"));
    }

    [Fact]
    public async Task Reads_only_the_quarantine_values_that_are_set_in_key_order_up_to_the_limit()
    {
        await using (var sink = _file.OpenSink())
        {
            await sink.WriteAsync(MakeBatch("quarantined", Rows(0, 0, 4)), CancellationToken.None);
        }

        _file.Execute("""UPDATE quarantined SET _quarantine = '[{"name":"n","value":' || _kafka_offset || ',"reason":"type_flip"}]' WHERE _kafka_offset <> 1""");

        using var reader = _file.OpenReader();
        Assert.Equal(
            ["""[{"name":"n","value":0,"reason":"type_flip"}]""", """[{"name":"n","value":2,"reason":"type_flip"}]"""],
            reader.ReadQuarantine("quarantined", limit: 2));
    }

    [Fact]
    public void Never_creates_a_missing_file() =>
        Assert.Throws<FileNotFoundException>(() => _file.OpenReader());

    public void Dispose() => _file.Dispose();
}
