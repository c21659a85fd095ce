using Grpc.Core;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.BigQuery.Protos;
using StreamHeal.Dev.BigQuery;
using Xunit;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.BigQuery;

public sealed class BigQueryWriteClientTests : IAsyncLifetime
{
    private FakeWriteScope _scope = null!;

    private FakeBigQuery Fake => _scope.Fake;

    private BigQueryWriteClient Client => _scope.Client;

    private string Table => _scope.Table;

    public async Task InitializeAsync() => _scope = await FakeWriteScope.StartAsync(tokenProvider: static _ => ValueTask.FromResult<string?>("token-1"));

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    [Fact]
    public async Task Committed_stream_takes_appends_at_its_end_and_finalize_counts_them()
    {
        var stream = await Client.CreateCommittedStreamAsync(Table, CancellationToken.None);
        await using var connection = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        using var first = BigQueryTestRows.Encode(0, 3);
        using var second = BigQueryTestRows.Encode(3, 2);

        var atZero = await connection.AppendAsync(first, 0);
        var atThree = await connection.AppendAsync(second, 3);

        Assert.Equal(0L, atZero.AppendResult.Offset);
        Assert.Equal(3L, atThree.AppendResult.Offset);
        Assert.Equal(stream.Name, atThree.WriteStream);
        var rows = Fake.Store.RowsOf(Table);
        Assert.Equal(["row0", "row1", "row2", "row3", "row4"], rows.Select(row => row["name"]));
        Assert.Equal([0L, 1L, 2L, 3L, 4L], rows.Select(row => row[ReservedColumns.KafkaOffset]));
        Assert.Equal(40L, rows[4]["n"]);
        Assert.Equal(BigQueryTypes.ToEpochDays(new DateOnly(2026, 11, 25)), rows[0]["day"]);
        Assert.Equal(WriteStream.Types.Type.Committed, stream.Type);
        var full = await Client.GetWriteStreamAsync(stream.Name, CancellationToken.None);
        Assert.Equal(BigQueryTestRows.Layout.ToTableSchema(), full.TableSchema);
        Assert.Equal(5, await Client.FinalizeAsync(stream.Name, CancellationToken.None));
    }

    [Fact]
    public async Task Values_longer_than_the_max_length_are_row_errors_and_the_request_appends_nothing()
    {
        var schema = BigQueryTestRows.Layout.ToTableSchema().ToFake();
        schema.Fields.Single(field => field.Name == "name").MaxLength = 4;
        var table = Fake.CreateTable("short", schema);
        var stream = await Client.CreateCommittedStreamAsync(table, CancellationToken.None);
        await using var connection = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        using var mixed = BigQueryTestRows.Encode(8, 4); // row8 and row9 fit; row10 and row11 are one character too long
        using var fitting = BigQueryTestRows.Encode(8, 2);

        var refused = await connection.AppendAsync(mixed, 0);
        var emptyAfterRefusal = Fake.Store.RowsOf(table).Count;
        var resent = await connection.AppendAsync(fitting, 0);

        Assert.Equal((int)Grpc.Core.StatusCode.InvalidArgument, refused.Error.Code);
        Assert.Equal([2L, 3L], refused.RowErrors.Select(error => error.Index));
        Assert.All(refused.RowErrors, error => Assert.Equal("Field name: STRING(4) has maximum length 4 but got a value with length 5.", error.Message));
        Assert.Equal(0, emptyAfterRefusal);
        Assert.Equal(0L, resent.AppendResult.Offset);
        Assert.Equal(["row8", "row9"], Fake.Store.RowsOf(table).Select(row => row["name"]));
    }

    [Fact]
    public async Task Replay_below_the_end_is_already_exists_and_a_gap_is_out_of_range_and_neither_appends()
    {
        var stream = await Client.CreateCommittedStreamAsync(Table, CancellationToken.None);
        await using var connection = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 3);
        await connection.AppendAsync(batch, 0);

        var replay = await connection.AppendAsync(batch, 0);
        var overlap = await connection.AppendAsync(batch, 2);
        var gap = await connection.AppendAsync(batch, 5);
        var atEnd = await connection.AppendAsync(batch, 3);

        Assert.Equal(SinkErrorAction.AlreadyWritten, SinkErrors.Classify(replay));
        Assert.Equal(SinkErrorAction.AlreadyWritten, SinkErrors.Classify(overlap));
        Assert.Equal(SinkErrorAction.OffsetGap, SinkErrors.Classify(gap));
        // The connection survives offset errors: they are answers, not broken streams.
        Assert.Equal(SinkErrorAction.None, SinkErrors.Classify(atEnd));
        Assert.Equal(3L, atEnd.AppendResult.Offset);
        Assert.Equal(6, Fake.Store.RowsOf(Table).Count);
    }

    [Fact]
    public async Task Default_stream_appends_without_offsets()
    {
        var stream = BigQueryWriteClient.DefaultStream(Table);
        await using var connection = await Client.OpenAppendAsync(stream, BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 2);

        var first = await connection.AppendAsync(batch, offset: null);
        var second = await connection.AppendAsync(batch, offset: null);

        Assert.Null(first.AppendResult.Offset);
        Assert.Null(second.AppendResult.Offset);
        Assert.Equal(4, Fake.Store.RowsOf(Table).Count);
    }

    [Fact]
    public async Task A_batch_larger_than_one_request_is_split_and_lands_whole_in_order()
    {
        using var client = new BigQueryWriteClient(new BigQueryWriteOptions { Endpoint = Fake.WriteEndpoint, MaxRequestBytes = 2048 });
        var stream = await client.CreateCommittedStreamAsync(Table, CancellationToken.None);
        await using var connection = await client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 100, budget: client.RowBudget(stream.Name, BigQueryTestRows.Layout));

        long offset = 0;
        foreach (var chunk in batch.Chunks)
        {
            var response = await connection.AppendAsync(batch, chunk, offset, CancellationToken.None);
            Assert.Equal(offset, response.AppendResult.Offset);
            offset += chunk.RowCount;
        }

        Assert.True(batch.Chunks.Count > 1, "The batch should need several requests at a 2 KB limit.");
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), Fake.Store.RowsOf(Table).Select(row => (long)row[ReservedColumns.KafkaOffset]!));
    }

    [Fact]
    public async Task Appends_still_unanswered_when_their_connection_closes_fail_as_an_outage_a_retry_resends()
    {
        // Answers slower than the close waits for them: the connection gives up on the appends in flight.
        Fake.Faults.AppendLatency = TimeSpan.FromMinutes(1);
        var connection = await Client.OpenAppendAsync(BigQueryWriteClient.DefaultStream(Table), BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 2);
        var first = await connection.SendAsync(batch.RowsOf(batch.Chunks[0]), 2, null, CancellationToken.None);
        var second = await connection.SendAsync(batch.RowsOf(batch.Chunks[0]), 2, null, CancellationToken.None);

        await connection.DisposeAsync();

        foreach (var answer in new[] { first, second })
        {
            var failure = await Assert.ThrowsAsync<RpcException>(() => answer);
            Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
            Assert.Equal(SinkErrorAction.Reconnect, SinkErrors.Classify(failure, onStream: true));
        }
    }

    [Fact]
    public async Task Pipelined_appends_are_answered_in_request_order()
    {
        Fake.Faults.AppendLatency = TimeSpan.FromMilliseconds(50);
        var stream = await Client.CreateCommittedStreamAsync(Table, CancellationToken.None);
        await using var connection = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        var batches = Enumerable.Range(0, 5).Select(i => BigQueryTestRows.Encode(i * 2, 2)).ToArray();

        var responses = await Task.WhenAll(batches.Select((batch, i) => connection.AppendAsync(batch, i * 2)));

        Assert.Equal([0L, 2L, 4L, 6L, 8L], responses.Select(response => (long)response.AppendResult.Offset!));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"row{i}"), Fake.Store.RowsOf(Table).Select(row => (string)row["name"]!));
        foreach (var batch in batches)
        {
            batch.Dispose();
        }
    }

    [Fact]
    public async Task Every_call_carries_the_routing_header_and_the_bearer_token()
    {
        var stream = await Client.CreateCommittedStreamAsync(Table, CancellationToken.None);
        await using (var connection = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None))
        {
            using var batch = BigQueryTestRows.Encode(0, 1);
            await connection.AppendAsync(batch, 0);
        }

        await Client.GetWriteStreamAsync(stream.Name, CancellationToken.None);
        await Client.FinalizeAsync(stream.Name, CancellationToken.None);

        Assert.Equal([$"parent={Table}", $"write_stream={stream.Name}", $"name={stream.Name}", $"name={stream.Name}"], Fake.Calls.RoutingHeaders);
        Assert.All(Fake.Calls.Authorizations, value => Assert.Equal("Bearer token-1", value));
        Assert.Equal(4, Fake.Calls.Authorizations.Count);
    }
}
