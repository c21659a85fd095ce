using DuckDB.NET.Data;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Tables;
using StreamHeal.Tests.Support;
using Xunit;

namespace StreamHeal.Tests.Sink.DuckDb;

public sealed class DuckDbSinkSettingsTests : IDisposable
{
    private readonly DuckDbTestFile _file = new();

    [Theory]
    [InlineData(null, "256.0 MiB")]
    [InlineData(100, "100.0 MiB")]
    public async Task The_buffer_manager_is_bounded_by_memoryLimitMb(int? limit, string expected)
    {
        var options = new DuckDbSinkOptions { Path = _file.Path };
        if (limit is { } mb)
        {
            options.MemoryLimitMb = mb;
        }

        await using var sink = new DuckDbSink(options, TimeProvider.System);
        await sink.EnsureTableAsync("bounded", [new TableColumn("id", ColumnType.Int64)], CancellationToken.None);

        // A connection of the same process shares the sink's database instance, whose settings these are.
        using var connection = new DuckDBConnection($"Data Source={_file.Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_setting('memory_limit'), current_setting('threads')";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(expected, reader.GetString(0));
        Assert.Equal(DuckDbSinkOptions.DefaultThreads, Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(DuckDbSinkOptions.MinMemoryLimitMb, true)]
    [InlineData(DuckDbSinkOptions.MinMemoryLimitMb - 1, false)]
    [InlineData(0, false)]
    public void A_memory_limit_below_the_minimum_is_refused_at_start_up(int limit, bool valid)
    {
        var invalid = Options.Invalid(new DuckDbSinkOptions { MemoryLimitMb = limit });

        Assert.Equal(valid, !invalid.Contains(nameof(DuckDbSinkOptions.MemoryLimitMb)));
    }

    public void Dispose() => _file.Dispose();
}
