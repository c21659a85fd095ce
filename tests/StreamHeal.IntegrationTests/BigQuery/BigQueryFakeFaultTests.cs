using StreamHeal.TestSupport;
using Grpc.Core;
using StreamHeal.Dev.BigQuery;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.BigQuery.Protos;
using Xunit;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>The fake's scripted faults and read-back helpers that sink and chaos tests lean on.</summary>
public sealed class BigQueryFakeFaultTests : IAsyncLifetime
{
    private FakeWriteScope _scope = null!;

    private FakeBigQuery Fake => _scope.Fake;

    private BigQueryWriteClient Client => _scope.Client;

    private string Table => _scope.Table;

    public async Task InitializeAsync() => _scope = await FakeWriteScope.StartAsync();

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    [Fact]
    public async Task A_dropped_stream_is_not_found_for_appends_and_reads_but_its_rows_stay()
    {
        var stream = await Client.CreateCommittedStreamAsync(Table, CancellationToken.None);
        await using var connection = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 2);
        await connection.AppendAsync(batch, 0);

        Fake.Store.DropStream(stream.Name);
        var append = await Assert.ThrowsAsync<RpcException>(() => connection.AppendAsync(batch, 2));
        var read = await Assert.ThrowsAsync<RpcException>(() => Client.GetWriteStreamAsync(stream.Name, CancellationToken.None));

        Assert.Equal(StatusCode.NotFound, append.StatusCode);
        Assert.Equal(StatusCode.NotFound, read.StatusCode);
        Assert.Equal(SinkErrorAction.Fatal, SinkErrors.Classify(read));
        Assert.Equal(SinkErrorAction.StreamGone, SinkErrors.Classify(append, onStream: true));
        Assert.Equal(2, Fake.Store.RowsOf(Table).Count);
    }

    [Fact]
    public async Task A_scripted_break_lets_n_appends_through_then_aborts_the_connection_with_unavailable()
    {
        var stream = await Client.CreateCommittedStreamAsync(Table, CancellationToken.None);
        await using var connection = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        Fake.Faults.BreakConnectionAfter(2);
        using var a = BigQueryTestRows.Encode(0, 1);
        using var b = BigQueryTestRows.Encode(1, 1);
        using var c = BigQueryTestRows.Encode(2, 1);

        await connection.AppendAsync(a, 0);
        await connection.AppendAsync(b, 1);
        var broken = await Assert.ThrowsAsync<RpcException>(() => connection.AppendAsync(c, 2));

        Assert.Equal(StatusCode.Unavailable, broken.StatusCode);
        Assert.Equal(SinkErrorAction.Reconnect, SinkErrors.Classify(broken));
        Assert.False(connection.IsOpen);
        Assert.Equal(2, Fake.Store.RowsOf(Table).Count);
        Assert.Equal([StatusCode.OK, StatusCode.OK, StatusCode.Unavailable], Fake.Appends.Appends.Select(append => append.Status));
        await using var again = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        Assert.Equal(2L, (await again.AppendAsync(c, 2)).AppendResult.Offset);
    }

    [Fact]
    public async Task Breaking_connections_ends_idle_ones_too()
    {
        await using var connection = await Client.OpenAppendAsync(BigQueryWriteClient.DefaultStream(Table), BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 1);
        await connection.AppendAsync(batch, offset: null);

        Fake.Faults.BreakConnections();
        await Eventually.Until(() => !connection.IsOpen, TimeSpan.FromSeconds(10), "the client to see its connection end");
        var afterwards = await Assert.ThrowsAsync<RpcException>(() => connection.AppendAsync(batch, offset: null));

        Assert.Equal(StatusCode.Unavailable, afterwards.StatusCode);
    }

    [Fact]
    public async Task Each_append_is_recorded_with_its_start_and_end_so_in_flight_moments_can_be_asked_later()
    {
        Fake.Faults.AppendLatency = TimeSpan.FromMilliseconds(300);
        await using var connection = await Client.OpenAppendAsync(BigQueryWriteClient.DefaultStream(Table), BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 3);
        var before = Fake.Options.TimeProvider.GetUtcNow();

        var pending = connection.AppendAsync(batch, offset: null);
        // The moment is taken before the in-flight check, and only kept if the append had already started by then: a
        // slow machine may resume this test after the append ended, which must not turn "during" into "after".
        var during = DateTimeOffset.MinValue;
        await Eventually.Until(
            () =>
            {
                var now = Fake.Options.TimeProvider.GetUtcNow();
                if (Fake.Appends.InFlight == 1 && Fake.Appends.Appends[0].StartedAt <= now)
                {
                    during = now;
                    return true;
                }

                return false;
            },
            TimeSpan.FromSeconds(10),
            "the append to arrive");
        await pending;

        var append = Assert.Single(Fake.Appends.Appends);
        Assert.Equal(0, Fake.Appends.InFlight);
        Assert.Equal(3, append.RowCount);
        Assert.Equal(StatusCode.OK, append.Status);
        Assert.True(append.EndedAt - append.StartedAt >= TimeSpan.FromMilliseconds(250), $"{append.StartedAt:O} .. {append.EndedAt:O}");
        Assert.True(Fake.Appends.WasInFlightAt(during));
        Assert.False(Fake.Appends.WasInFlightAt(before));
        Assert.False(Fake.Appends.WasInFlightAt(append.EndedAt!.Value.AddMilliseconds(1)));
    }

    [Fact]
    public async Task An_append_whose_client_went_away_is_closed_in_the_log()
    {
        Fake.Faults.AppendLatency = TimeSpan.FromSeconds(30);
        var connection = await Client.OpenAppendAsync(BigQueryWriteClient.DefaultStream(Table), BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 1);
        var pending = connection.AppendAsync(batch, offset: null);
        await Eventually.Until(() => Fake.Appends.InFlight == 1, TimeSpan.FromSeconds(10), "the append to arrive");

        await connection.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => pending);

        await Eventually.Until(() => Fake.Appends.InFlight == 0, TimeSpan.FromSeconds(10), "the server to see the client leave");
        Assert.NotEqual(StatusCode.OK, Fake.Appends.Appends.Single().Status);
        Assert.Empty(Fake.Store.RowsOf(Table));
    }

    [Fact]
    public async Task A_finalized_stream_refuses_appends_with_a_stream_finalized_detail()
    {
        var stream = await Client.CreateCommittedStreamAsync(Table, CancellationToken.None);
        await using var connection = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 2);
        await connection.AppendAsync(batch, 0);
        Assert.Equal(2, await Client.FinalizeAsync(stream.Name, CancellationToken.None));

        var refused = await connection.AppendAsync(batch, 2);

        Assert.Equal(StatusCode.InvalidArgument, (StatusCode)refused.Error.Code);
        var detail = refused.Error.Details.Single().Unpack<StorageError>();
        Assert.Equal(StorageError.Types.StorageErrorCode.StreamFinalized, detail.Code);
        Assert.Equal(stream.Name, detail.Entity);
    }

    [Fact]
    public async Task Counts_per_partition_and_offset_show_a_replay_on_the_default_stream_as_duplicates()
    {
        await using var connection = await Client.OpenAppendAsync(BigQueryWriteClient.DefaultStream(Table), BigQueryTestRows.Layout, CancellationToken.None);
        using var first = BigQueryTestRows.Encode(0, 3);
        using var replay = BigQueryTestRows.Encode(1, 3);

        await connection.AppendAsync(first, offset: null);
        await connection.AppendAsync(replay, offset: null);

        var counts = Fake.Store.CountsByPartitionOffset(Table);
        Assert.Equal(new Dictionary<(long, long), int> { [(0, 0)] = 1, [(0, 1)] = 2, [(0, 2)] = 2, [(0, 3)] = 1 }, counts);
    }
}
