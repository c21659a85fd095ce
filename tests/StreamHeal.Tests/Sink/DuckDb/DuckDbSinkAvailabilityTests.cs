using StreamHeal.Sink;
using StreamHeal.Sink.DuckDb;
using Xunit;
using static StreamHeal.Tests.Sink.DuckDb.DuckDbTestFile;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Sink.DuckDb;

public sealed class DuckDbSinkAvailabilityTests : IDisposable
{
    private readonly DuckDbTestFile _file = new();

    [Fact]
    public async Task A_file_that_cannot_be_opened_is_unavailable_and_the_same_call_succeeds_once_it_can()
    {
        var directory = Path.Combine(Path.GetDirectoryName(_file.Path)!, "not-yet");
        await using var sink = new DuckDbSink(new DuckDbSinkOptions { Path = Path.Combine(directory, "late.duckdb") }, TimeProvider.System);
        TableColumn[] columns = [new("id", ColumnType.Int64)];

        var error = await Assert.ThrowsAsync<SinkUnavailableException>(
            async () => await sink.EnsureTableAsync("late", columns, CancellationToken.None));
        Assert.Contains("late.duckdb", error.Message, StringComparison.Ordinal);

        Directory.CreateDirectory(directory);
        Assert.Equal(columns, await sink.EnsureTableAsync("late", columns, CancellationToken.None));
    }

    [Fact]
    public async Task Calls_after_dispose_throw_object_disposed()
    {
        var sink = _file.OpenSink();
        await sink.WriteAsync(MakeBatch("gone", Rows(0, 0, 1)), CancellationToken.None);
        await sink.DisposeAsync();
        await sink.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await sink.WriteAsync(MakeBatch("gone", Rows(0, 1, 2)), CancellationToken.None));
    }

    [Fact]
    public async Task A_cancelled_write_leaves_neither_rows_nor_offsets()
    {
        await using var sink = _file.OpenSink();
        await sink.EnsureTableAsync("cancel", [new TableColumn("id", ColumnType.Int64)], CancellationToken.None);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await sink.WriteAsync(MakeBatch("cancel", Rows(0, 0, 10)), cancellation.Token));

        Assert.Empty(await sink.GetResumeOffsetsAsync("cancel", Topic, CancellationToken.None));
        using var reader = _file.OpenReader();
        Assert.Equal(0, reader.CountRows("cancel"));
    }

    public void Dispose() => _file.Dispose();
}
