using StreamHeal.Records;
using StreamHeal.Sink;
using Xunit;
using static StreamHeal.Tests.Sink.DuckDb.DuckDbTestFile;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Sink.DuckDb;

public sealed class DuckDbSinkSchemaTests : IDisposable
{
    private readonly DuckDbTestFile _file = new();

    [Fact]
    public async Task Json_and_string_share_varchar_but_a_logical_type_change_is_a_conflict()
    {
        await using (var sink = _file.OpenSink())
        {
            await sink.EnsureTableAsync("orders", [new TableColumn("payload", ColumnType.Json)], CancellationToken.None);
        }

        // Reopened so the check runs against the stored metadata, not the sink's cache.
        await using var reopened = _file.OpenSink();
        var conflict = await Assert.ThrowsAsync<SinkSchemaConflictException>(
            async () => await reopened.EnsureTableAsync("orders", [new TableColumn("payload", ColumnType.String)], CancellationToken.None));

        Assert.Equal("orders", conflict.Table);
        Assert.Equal("payload", conflict.Column);
        Assert.Contains("String", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("Json (VARCHAR)", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conflict_adds_none_of_the_other_requested_columns()
    {
        await using var sink = _file.OpenSink();
        await sink.EnsureTableAsync("atomic", [new TableColumn("n", ColumnType.Int64)], CancellationToken.None);

        await Assert.ThrowsAsync<SinkSchemaConflictException>(async () => await sink.EnsureTableAsync(
            "atomic", [new TableColumn("added", ColumnType.Bool), new TableColumn("n", ColumnType.Float64)], CancellationToken.None));

        using var reader = _file.OpenReader();
        Assert.DoesNotContain(reader.ReadColumns("atomic"), c => c.Name == "added");
    }

    [Fact]
    public async Task A_table_created_outside_streamheal_is_reconciled_from_its_physical_types()
    {
        _file.Execute("""
            CREATE TABLE legacy (_kafka_topic VARCHAR, _kafka_partition INTEGER, _kafka_offset BIGINT, _kafka_timestamp TIMESTAMPTZ,
                _ingested_at TIMESTAMPTZ, _quarantine VARCHAR, amount DOUBLE, code INTEGER, note VARCHAR, PRIMARY KEY(_kafka_partition, _kafka_offset))
            """);
        await using var sink = _file.OpenSink();

        var columns = await sink.EnsureTableAsync("legacy", [new TableColumn("note", ColumnType.Json), new TableColumn("added", ColumnType.Date)], CancellationToken.None);

        // INTEGER has no logical type, so it is left out and written as null.
        Assert.Equal([new TableColumn("amount", ColumnType.Float64), new TableColumn("note", ColumnType.Json), new TableColumn("added", ColumnType.Date)], columns);
        var conflict = await Assert.ThrowsAsync<SinkSchemaConflictException>(
            async () => await sink.EnsureTableAsync("legacy", [new TableColumn("code", ColumnType.Int64)], CancellationToken.None));
        Assert.Contains("'legacy'", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("'code'", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("INTEGER", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("Int64", conflict.Message, StringComparison.Ordinal);

        var result = await sink.WriteAsync(
            MakeBatch("legacy", [Row(0, 0, ("amount", FieldValue.FromDouble(2.5)), ("note", FieldValue.FromJson("{}")))], [.. columns]),
            CancellationToken.None);
        Assert.Equal(RowOutcome.Written, result[0]);
    }

    [Fact]
    public async Task A_table_without_the_sink_columns_is_refused_with_a_clear_message()
    {
        _file.Execute("CREATE TABLE foreign_table (id BIGINT)");
        await using var sink = _file.OpenSink();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await sink.EnsureTableAsync("foreign_table", [new TableColumn("id", ColumnType.Int64)], CancellationToken.None));

        Assert.Contains("'foreign_table'", error.Message, StringComparison.Ordinal);
        Assert.Contains("_kafka_", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Table_names_match_case_insensitively_like_duckdb_and_share_metadata_and_offsets()
    {
        await using (var sink = _file.OpenSink())
        {
            await sink.EnsureTableAsync("Orders", [new TableColumn("payload", ColumnType.Json)], CancellationToken.None);
            await sink.WriteAsync(MakeBatch("Orders", Rows(0, 0, 2), new TableColumn("id", ColumnType.Int64)), CancellationToken.None);
        }

        await using var reopened = _file.OpenSink();
        await Assert.ThrowsAsync<SinkSchemaConflictException>(
            async () => await reopened.EnsureTableAsync("orders", [new TableColumn("payload", ColumnType.String)], CancellationToken.None));
        Assert.Equal(new Dictionary<int, long> { [0] = 2 }, await reopened.GetResumeOffsetsAsync("ORDERS", Topic, CancellationToken.None));
        var replay = await reopened.WriteAsync(MakeBatch("orders", Rows(0, 0, 2)), CancellationToken.None);
        Assert.Equal(RowOutcome.AlreadyWritten, replay[1]);
    }

    public void Dispose() => _file.Dispose();
}
