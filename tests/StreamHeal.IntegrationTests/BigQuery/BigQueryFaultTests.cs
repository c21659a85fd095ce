using Grpc.Core;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.BigQuery.Protos;
using StreamHeal.Dev.BigQuery;
using FakeProtos = StreamHeal.Dev.BigQuery.Protos;
using Xunit;

namespace StreamHeal.IntegrationTests.BigQuery;

public sealed class BigQueryFaultTests : IAsyncLifetime
{
    private FakeBigQuery _fake = null!;
    private BigQueryWriteClient _client = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeBigQuery.StartAsync();
        _client = new BigQueryWriteClient(new BigQueryWriteOptions { Endpoint = _fake.WriteEndpoint });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Rows_the_table_refuses_come_back_as_row_errors_and_nothing_is_appended()
    {
        var schema = BigQueryTestRows.Layout.ToTableSchema().ToFake();
        schema.Fields.Single(field => field.Name == "name").Mode = FakeProtos.TableFieldSchema.Types.Mode.Required;
        var table = _fake.CreateTable("strict", schema);
        var stream = await _client.CreateCommittedStreamAsync(table, CancellationToken.None);
        await using var connection = await _client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(10, 4, nameless: [11, 13]);

        var response = await connection.AppendAsync(batch, 0);

        Assert.Equal(SinkErrorAction.DeadLetterRows, SinkErrors.Classify(response));
        Assert.Equal(StatusCode.InvalidArgument, (StatusCode)response.Error.Code);
        var chunk = batch.Chunks.Single();
        Assert.Equal([1, 3], response.RowErrors.Select(error => batch.BatchIndexOf(chunk, error.Index)));
        Assert.All(response.RowErrors, error => Assert.Contains("'name'", error.Message, StringComparison.Ordinal));
        Assert.Empty(_fake.Store.RowsOf(table));
    }

    [Fact]
    public async Task A_writer_field_the_table_lacks_names_the_rows_and_is_classified_as_waiting_for_the_column()
    {
        var schema = BigQueryTestRows.Layout.ToTableSchema().ToFake();
        schema.Fields.Remove(schema.Fields.Single(field => field.Name == "day"));
        var table = _fake.CreateTable("narrow", schema);
        await using var connection = await _client.OpenAppendAsync(BigQueryWriteClient.DefaultStream(table), BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 2);

        var response = await connection.AppendAsync(batch, offset: null);

        // The storage error (SCHEMA_MISMATCH_EXTRA_FIELDS) decides over the row errors: the column may yet appear.
        Assert.Equal(SinkErrorAction.AwaitColumns, SinkErrors.Classify(response));
        Assert.Equal(2, response.RowErrors.Count);
    }

    [Fact]
    public async Task An_outage_breaks_the_connection_as_reconnect_and_a_new_connection_resumes_at_the_end()
    {
        var table = _fake.CreateTable("orders", BigQueryTestRows.Layout.ToTableSchema().ToFake());
        var stream = await _client.CreateCommittedStreamAsync(table, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 3);
        var broken = await _client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        _fake.Faults.FailNext(StatusCode.Unavailable, 1);

        var outage = await Assert.ThrowsAsync<RpcException>(() => broken.AppendAsync(batch, 0));
        var afterwards = await Assert.ThrowsAsync<RpcException>(() => broken.AppendAsync(batch, 0));
        await broken.DisposeAsync();

        Assert.Equal(SinkErrorAction.Reconnect, SinkErrors.Classify(outage));
        Assert.Equal(SinkErrorAction.Reconnect, SinkErrors.Classify(afterwards));
        Assert.False(broken.IsOpen);
        await using var connection = await _client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        var resumed = await connection.AppendAsync(batch, 0);
        Assert.Equal(0L, resumed.AppendResult.Offset);
        Assert.Equal(3, _fake.Store.RowsOf(table).Count);
    }

    [Fact]
    public async Task A_quota_burst_is_back_off_until_it_passes()
    {
        var table = _fake.CreateTable("orders", BigQueryTestRows.Layout.ToTableSchema().ToFake());
        _fake.Faults.FailNext(StatusCode.ResourceExhausted, 2);

        var actions = new List<SinkErrorAction>();
        WriteStream? stream = null;
        while (stream is null)
        {
            try
            {
                stream = await _client.CreateCommittedStreamAsync(table, CancellationToken.None);
            }
            catch (RpcException ex)
            {
                actions.Add(SinkErrors.Classify(ex));
            }
        }

        Assert.Equal([SinkErrorAction.BackOff, SinkErrorAction.BackOff], actions);
        Assert.Equal(0, _fake.Faults.Pending);
    }

    [Fact]
    public async Task A_missing_table_or_stream_is_fatal()
    {
        var missingTable = await Assert.ThrowsAsync<RpcException>(() => _client.CreateCommittedStreamAsync("projects/fake/datasets/streamheal/tables/none", CancellationToken.None));
        var missingStream = await Assert.ThrowsAsync<RpcException>(() => _client.GetWriteStreamAsync("projects/fake/datasets/streamheal/tables/none/streams/x", CancellationToken.None));

        Assert.Equal(SinkErrorAction.Fatal, SinkErrors.Classify(missingTable));
        Assert.Equal(SinkErrorAction.Fatal, SinkErrors.Classify(missingStream));
    }
}
