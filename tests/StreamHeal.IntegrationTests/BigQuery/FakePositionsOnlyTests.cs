using StreamHeal.Dev.BigQuery;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Tables;
using Xunit;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>The fake as the throughput harness runs it: every row decoded and checked, only its Kafka position kept.</summary>
public sealed class FakePositionsOnlyTests : IAsyncLifetime
{
    private FakeWriteScope _scope = null!;

    public async Task InitializeAsync() => _scope = await FakeWriteScope.StartAsync(new FakeBigQueryOptions { KeepRowValues = false });

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    [Fact]
    public async Task Rows_are_checked_as_before_and_only_their_positions_are_kept()
    {
        var schema = BigQueryTestRows.Layout.ToTableSchema().ToFake();
        schema.Fields.Single(field => field.Name == "name").MaxLength = 4;
        var table = _scope.Fake.CreateTable("short", schema);
        await using var connection = await _scope.Client.OpenAppendAsync(BigQueryWriteClient.DefaultStream(table), BigQueryTestRows.Layout, CancellationToken.None);
        using var mixed = BigQueryTestRows.Encode(8, 4); // row10 and row11 are one character too long
        using var fitting = BigQueryTestRows.Encode(8, 2);
        using var again = BigQueryTestRows.Encode(9, 1);

        var refused = await connection.AppendAsync(mixed, offset: null);
        await connection.AppendAsync(fitting, offset: null);
        await connection.AppendAsync(again, offset: null);

        Assert.Equal([2L, 3L], refused.RowErrors.Select(error => error.Index));
        var rows = _scope.Fake.Store.RowsOf(table);
        Assert.Equal([8L, 9L, 9L], rows.Select(row => Convert.ToInt64(row[ReservedColumns.KafkaOffset])));
        Assert.All(rows, row => Assert.Equal([ReservedColumns.KafkaPartition, ReservedColumns.KafkaOffset], row.Keys));
        Assert.All(rows, row => Assert.False(row.ContainsKey("name")));
        Assert.Equal(new Dictionary<(long, long), int> { [(0, 8)] = 1, [(0, 9)] = 2 }, _scope.Fake.Store.CountsByPartitionOffset(table));
    }
}
