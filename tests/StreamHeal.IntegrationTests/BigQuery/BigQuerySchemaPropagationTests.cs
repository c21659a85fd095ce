using StreamHeal.TestSupport;
using StreamHeal.Dev.BigQuery;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.BigQuery.Protos;
using FakeProtos = StreamHeal.Dev.BigQuery.Protos;
using Xunit;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>The fake's model of a new column travelling from the table (REST) to the Storage Write API.</summary>
public sealed class BigQuerySchemaPropagationTests : IAsyncLifetime
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    private static readonly FakeProtos.TableFieldSchema Color = new() { Name = "color", Type = FakeProtos.TableFieldSchema.Types.Type.String, Mode = FakeProtos.TableFieldSchema.Types.Mode.Nullable };

    private FakeWriteScope _scope = null!;

    private FakeBigQuery Fake => _scope.Fake;

    private BigQueryWriteClient Client => _scope.Client;

    private string Table => _scope.Table;

    public async Task InitializeAsync() => _scope = await FakeWriteScope.StartAsync(new FakeBigQueryOptions { SchemaPropagationDelay = Delay });

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    [Fact]
    public async Task A_new_column_is_refused_until_the_delay_passed_and_old_writers_keep_appending_meanwhile()
    {
        var stream = await Client.CreateCommittedStreamAsync(Table, CancellationToken.None);
        await using var old = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        using (var first = BigQueryTestRows.Encode(0, 2))
        {
            await old.AppendAsync(first, 0);
        }

        Fake.AddColumns(Table, Color);
        await using var wide = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.WideLayout, CancellationToken.None);
        using var early = BigQueryTestRows.EncodeWide(2, 2);
        var refused = await wide.AppendAsync(early, 2);
        using var during = BigQueryTestRows.Encode(2, 1);
        var accepted = await old.AppendAsync(during, 2);
        var streamDuring = await Client.GetWriteStreamAsync(stream.Name, CancellationToken.None);

        Assert.Equal(SinkErrorAction.AwaitColumns, SinkErrors.Classify(refused));
        Assert.All(refused.RowErrors, error => Assert.Contains("'color'", error.Message, StringComparison.Ordinal));
        Assert.Contains("unknown field", refused.RowErrors[0].Message, StringComparison.Ordinal);
        Assert.Equal(StorageError.Types.StorageErrorCode.SchemaMismatchExtraFields, refused.Error.Details.Single().Unpack<StorageError>().Code);
        Assert.Equal(SinkErrorAction.None, SinkErrors.Classify(accepted));
        Assert.Null(accepted.UpdatedSchema);
        Assert.DoesNotContain(streamDuring.TableSchema.Fields, field => field.Name == "color");
        Assert.Equal(1, Fake.Store.VisibleSchemaVersion(Table));
        Assert.Equal(3, Fake.Store.RowsOf(Table).Count);
    }

    [Fact]
    public async Task After_the_delay_each_connection_hears_of_the_new_schema_once_and_then_may_write_the_column()
    {
        var stream = await Client.CreateCommittedStreamAsync(Table, CancellationToken.None);
        await using var old = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        await using var other = await Client.OpenAppendAsync(BigQueryWriteClient.DefaultStream(Table), BigQueryTestRows.Layout, CancellationToken.None);
        Fake.AddColumns(Table, Color);
        var changedAt = Fake.Store.SchemaHistory(Table)[^1].ChangedAt;

        await Eventually.Until(() => Fake.Store.VisibleSchemaVersion(Table) == 2, TimeSpan.FromSeconds(10), "the new column to propagate");
        using var a = BigQueryTestRows.Encode(0, 1);
        using var b = BigQueryTestRows.Encode(1, 1);
        var announced = await old.AppendAsync(a, 0);
        var quiet = await old.AppendAsync(b, 1);
        var announcedToOther = await other.AppendAsync(a, offset: null);
        var full = await Client.GetWriteStreamAsync(stream.Name, CancellationToken.None);
        await using var wide = await Client.OpenAppendAsync(stream.Name, BigQueryTestRows.WideLayout, CancellationToken.None);
        using var colored = BigQueryTestRows.EncodeWide(2, 2);
        var written = await wide.AppendAsync(colored, 2);

        Assert.Contains(announced.UpdatedSchema.Fields, field => field.Name == "color");
        Assert.Equal(BigQueryTestRows.WideLayout.ToTableSchema().Fields.Count, announced.UpdatedSchema.Fields.Count);
        Assert.Null(quiet.UpdatedSchema);
        Assert.NotNull(announcedToOther.UpdatedSchema);
        Assert.Contains(full.TableSchema.Fields, field => field.Name == "color");
        Assert.Equal(SinkErrorAction.None, SinkErrors.Classify(written));
        Assert.Null(written.UpdatedSchema);

        // What a sink test proves with these records: no row carried the column before the stream was told of it.
        var rows = Fake.Store.RowRecordsOf(Table);
        var told = Fake.Appends.Appends.First(append => append.Stream == stream.Name && append.UpdatedSchemaVersion == 2);
        var withColor = rows.Where(row => row.Values.ContainsKey("color")).ToArray();
        Assert.Equal(["red2", "red3"], withColor.Select(row => row.Values["color"]));
        Assert.All(withColor, row => Assert.Equal(2, row.SchemaVersion));
        Assert.All(withColor, row => Assert.True(row.AppendedAt >= told.EndedAt && row.AppendedAt >= changedAt + Delay));
        Assert.All(rows.Where(row => row.Stream == stream.Name), row => Assert.Equal(row.StreamOffset, Convert.ToInt64(row.Values[ReservedColumns.KafkaOffset])));
    }

    [Fact]
    public async Task A_connection_whose_writer_already_has_the_column_is_not_told()
    {
        Fake.AddColumns(Table, Color);
        await Eventually.Until(() => Fake.Store.VisibleSchemaVersion(Table) == 2, TimeSpan.FromSeconds(10), "the new column to propagate");
        await using var wide = await Client.OpenAppendAsync(BigQueryWriteClient.DefaultStream(Table), BigQueryTestRows.WideLayout, CancellationToken.None);
        using var batch = BigQueryTestRows.EncodeWide(0, 1);

        var response = await wide.AppendAsync(batch, offset: null);

        Assert.Equal(SinkErrorAction.None, SinkErrors.Classify(response));
        Assert.Null(response.UpdatedSchema);
    }

    [Fact]
    public void A_column_that_is_already_there_is_refused_and_the_table_keeps_its_schema()
    {
        var retyped = new FakeProtos.TableFieldSchema { Name = "name", Type = FakeProtos.TableFieldSchema.Types.Type.Int64, Mode = FakeProtos.TableFieldSchema.Types.Mode.Nullable };

        var error = Assert.Throws<InvalidOperationException>(() => Fake.AddColumns(Table, retyped));

        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        Assert.Single(Fake.Store.SchemaHistory(Table));
    }
}
