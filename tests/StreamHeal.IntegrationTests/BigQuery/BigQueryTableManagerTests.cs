using System.Net;
using System.Net.Sockets;
using StreamHeal.Dev.BigQuery;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Dev.BigQuery.Protos;
using StreamHeal.Sink.BigQuery.Tables;
using Xunit;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.BigQuery;

public sealed class BigQueryTableManagerTests : IAsyncLifetime
{
    private const string Path = "projects/fake/datasets/streamheal/tables/orders";

    private FakeBigQuery _fake = null!;
    private readonly List<IDisposable> _clients = [];

    public async Task InitializeAsync() => _fake = await FakeBigQuery.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task A_missing_table_is_created_with_streamheals_columns_the_user_columns_partitioning_and_clustering()
    {
        var manager = Manager(options =>
        {
            options.TimePartitioningField = ReservedColumns.KafkaTimestamp;
            options.ClusteringFields = ["name", ReservedColumns.KafkaPartition];
        });

        var result = await manager.EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None);

        Assert.Equal(BigQueryTestRows.Columns, result.Columns);
        Assert.Empty(result.Added); // created with every column: nothing for the writer to wait for
        var table = _fake.Store.GetTable(Path)!;
        Assert.Equal(BigQueryTestRows.Layout.ToTableSchema().ToFake(), table.Schema);
        Assert.Equal(ReservedColumns.KafkaTimestamp, table.TimePartitioningField);
        Assert.Equal(["name", ReservedColumns.KafkaPartition], table.ClusteringFields);
        using var writer = new BigQueryWriteClient(new BigQueryWriteOptions { Endpoint = _fake.WriteEndpoint });
        await using var connection = await writer.OpenAppendAsync(BigQueryWriteClient.DefaultStream(Path), BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 2);
        Assert.Equal(SinkErrorAction.None, SinkErrors.Classify(await connection.AppendAsync(batch, offset: null)));
    }

    [Fact]
    public async Task A_table_with_every_column_is_left_alone_and_names_compare_case_insensitively()
    {
        var schema = BigQueryTestRows.Layout.ToTableSchema().ToFake();
        schema.Fields.Single(field => field.Name == "name").Name = "Name";
        schema.Fields.Add(new TableFieldSchema { Name = "extra", Type = TableFieldSchema.Types.Type.Int64, Mode = TableFieldSchema.Types.Mode.Nullable });
        schema.Fields.Add(new TableFieldSchema { Name = "place", Type = TableFieldSchema.Types.Type.Geography, Mode = TableFieldSchema.Types.Mode.Nullable });
        _fake.CreateTable("orders", schema);

        var result = await Manager().EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None);

        Assert.Empty(result.Added);
        Assert.Equal([new("Name", ColumnType.String), new("n", ColumnType.Int64), new("day", ColumnType.Date), new TableColumn("extra", ColumnType.Int64)], result.Columns);
        Assert.DoesNotContain(_fake.Calls.RestRequests, request => request.StartsWith("PATCH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_columns_are_added_as_nullable_after_the_existing_ones()
    {
        var schema = BigQueryTestRows.Layout.ToTableSchema().ToFake();
        schema.Fields.Add(new TableFieldSchema { Name = "theirs", Type = TableFieldSchema.Types.Type.String, Mode = TableFieldSchema.Types.Mode.Nullable });
        _fake.CreateTable("orders", schema);

        var result = await Manager().EnsureColumnsAsync("orders", BigQueryTestRows.WideColumns, CancellationToken.None);

        Assert.Equal(["color"], result.Added);
        Assert.Equal(["name", "n", "day", "theirs", "color"], result.Columns.Select(column => column.Name));
        var fields = _fake.Store.GetTable(Path)!.Schema.Fields;
        Assert.Equal(["theirs", "color"], fields.TakeLast(2).Select(field => field.Name));
        Assert.Equal(TableFieldSchema.Types.Mode.Nullable, fields[^1].Mode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_customer_table_keeps_every_field_exactly_and_gains_only_the_new_columns(bool withRecord)
    {
        _fake.CreateTable("orders", CustomerTable.Fields(withRecord));
        var before = _fake.Store.GetTable(Path)!.Fields;
        TableColumn[] columns = [new("id", ColumnType.Int64), new("name", ColumnType.String), new("color", ColumnType.String)];

        var result = await Manager().EnsureColumnsAsync("orders", columns, CancellationToken.None);

        string[] added = [.. new BigQueryRowLayout(columns).Fields.Select(field => field.Name).Except(["id", "name"])];
        Assert.Equal(added.Order(), result.Added.Order());
        Assert.Equal(["id", "name", "price", "email", "created", "tags", "color"], result.Columns.Select(column => column.Name));
        CustomerTable.AssertKeptAndAppended(before, _fake.Store.GetTable(Path)!.Fields, added);
        Assert.Equal(2, _fake.Store.SchemaHistory(Path).Count);
    }

    [Fact]
    public async Task Missing_reserved_columns_are_added_too_and_reported()
    {
        var schema = BigQueryTestRows.Layout.ToTableSchema().ToFake();
        schema.Fields.Remove(schema.Fields.Single(field => field.Name == ReservedColumns.Quarantine));
        _fake.CreateTable("orders", schema);

        var result = await Manager().EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None);

        Assert.Equal([ReservedColumns.Quarantine], result.Added);
        Assert.Equal(TableFieldSchema.Types.Type.Json, _fake.Store.GetTable(Path)!.Schema.Fields[^1].Type);
        Assert.Equal(BigQueryTestRows.Columns, result.Columns);
    }

    [Fact]
    public async Task A_column_of_another_type_is_a_schema_conflict_naming_both_types()
    {
        var schema = BigQueryTestRows.Layout.ToTableSchema().ToFake();
        schema.Fields.Single(field => field.Name == "n").Type = TableFieldSchema.Types.Type.String;
        schema.Fields.Single(field => field.Name == "day").Type = TableFieldSchema.Types.Type.Geography;
        _fake.CreateTable("orders", schema);

        var conflict = await Assert.ThrowsAsync<SinkSchemaConflictException>(() =>
            Manager().EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<SinkSchemaConflictException>(() =>
            Manager().EnsureColumnsAsync("orders", [new("day", ColumnType.Date)], CancellationToken.None));

        Assert.Equal("n", conflict.Column);
        Assert.Contains("STRING", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("Int64", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("GEOGRAPHY", unknown.Message, StringComparison.Ordinal);
        Assert.Single(_fake.Store.SchemaHistory(Path));
    }

    [Fact]
    public async Task A_missing_table_without_auto_create_names_the_table_and_the_setting()
    {
        var error = await Assert.ThrowsAsync<BigQueryTableUnavailableException>(() =>
            Manager(options => options.AutoCreateTables = false).EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None));

        Assert.Contains("fake:streamheal.orders", error.Message, StringComparison.Ordinal);
        Assert.Contains("autoCreateTables", error.Message, StringComparison.Ordinal);
        Assert.Null(_fake.Store.GetTable(Path));
    }

    [Fact]
    public async Task A_missing_permission_is_not_retryable_and_says_which()
    {
        _fake.Faults.FailNextRest(HttpStatusCode.Forbidden, 1);

        var error = await Assert.ThrowsAsync<BigQueryTableUnavailableException>(() =>
            Manager().EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None));

        Assert.Contains("bigquery.tables.get", error.Message, StringComparison.Ordinal);
        Assert.Contains("accessDenied", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task Outages_and_rate_limits_are_unavailable_and_a_retry_succeeds(HttpStatusCode status)
    {
        var manager = Manager();
        _fake.Faults.FailNextRest(status, 1);

        var error = await Assert.ThrowsAsync<SinkUnavailableException>(() => manager.EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None));
        var retried = await manager.EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None);

        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Equal(BigQueryTestRows.Columns, retried.Columns);
        Assert.NotNull(_fake.Store.GetTable(Path));
    }

    [Fact]
    public async Task No_answer_in_time_and_no_listener_are_unavailable()
    {
        _fake.Faults.RestLatency = TimeSpan.FromSeconds(5);
        var slow = Manager(requestTimeout: TimeSpan.FromMilliseconds(200));
        var closed = Manager(options => options.RestEndpoint = new Uri($"http://127.0.0.1:{ClosedPort()}"));

        var timeout = await Assert.ThrowsAsync<SinkUnavailableException>(() => slow.EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<SinkUnavailableException>(() => closed.EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None));

        Assert.Contains("no response", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("cannot reach", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_managers_creating_the_same_table_at_once_both_get_their_columns()
    {
        // Every call waits, so both read "missing" before either inserts: one insert wins, the other gets 409.
        _fake.Faults.RestLatency = TimeSpan.FromMilliseconds(150);
        var first = Manager();
        var second = Manager();

        var results = await Task.WhenAll(
            first.EnsureColumnsAsync("orders", [new("name", ColumnType.String)], CancellationToken.None),
            second.EnsureColumnsAsync("orders", [new("color", ColumnType.String)], CancellationToken.None));

        // The winner created the table (nothing to wait for); the loser added only its own column, by a patch.
        Assert.Single(results, result => result.Added.Count == 0);
        Assert.Single(results, result => result.Added.SequenceEqual(["color"]) || result.Added.SequenceEqual(["name"]));
        var names = _fake.Store.GetTable(Path)!.Schema.Fields.Select(field => field.Name).ToArray();
        Assert.Contains("name", names);
        Assert.Contains("color", names);
        Assert.Equal(2, _fake.Calls.RestRequests.Count(request => request.StartsWith("POST", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Two_managers_adding_different_columns_at_once_lose_neither()
    {
        _fake.CreateTable("orders", BigQueryTestRows.Layout.ToTableSchema().ToFake());
        // Both read the same etag before either patches, so one patch must fail with 412 and be redone.
        _fake.Faults.RestLatency = TimeSpan.FromMilliseconds(150);
        TableColumn[] withColor = [.. BigQueryTestRows.Columns, new("color", ColumnType.String)];
        TableColumn[] withSize = [.. BigQueryTestRows.Columns, new("size", ColumnType.Float64)];

        var results = await Task.WhenAll(
            Manager().EnsureColumnsAsync("orders", withColor, CancellationToken.None),
            Manager().EnsureColumnsAsync("orders", withSize, CancellationToken.None));

        var fields = _fake.Store.GetTable(Path)!.Schema.Fields;
        Assert.Contains(fields, field => field.Name == "color" && field.Type == TableFieldSchema.Types.Type.String);
        Assert.Contains(fields, field => field.Name == "size" && field.Type == TableFieldSchema.Types.Type.Double);
        Assert.Equal(["color", "size"], results.SelectMany(result => result.Added).Order());
        Assert.Equal(3, _fake.Calls.RestRequests.Count(request => request.StartsWith("PATCH", StringComparison.Ordinal)));
        Assert.Equal(3, _fake.Store.SchemaHistory(Path).Count);
    }

    [Fact]
    public async Task Calls_carry_the_bearer_token()
    {
        var manager = Manager(tokenProvider: static _ => ValueTask.FromResult<string?>("token-7"));

        await manager.EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None);
        await manager.EnsureColumnsAsync("orders", BigQueryTestRows.WideColumns, CancellationToken.None);

        Assert.Equal(4, _fake.Calls.RestAuthorizations.Count);
        Assert.All(_fake.Calls.RestAuthorizations, value => Assert.Equal("Bearer token-7", value));
    }

    private BigQueryTableManager Manager(
        Action<BigQuerySinkOptions>? configure = null, TimeSpan? requestTimeout = null, Func<CancellationToken, ValueTask<string?>>? tokenProvider = null)
    {
        var options = new BigQuerySinkOptions { ProjectId = "fake", Dataset = "streamheal", RestEndpoint = _fake.RestEndpoint, Auth = "none" };
        configure?.Invoke(options);
        var client = new BigQueryTableClient(options, tokenProvider, requestTimeout);
        _clients.Add(client);
        return new BigQueryTableManager(client, options);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
