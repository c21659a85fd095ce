using System.Text.Json;
using StreamHeal.Records;
using StreamHeal.Sink.BigQuery.Tables;
using Xunit;

namespace StreamHeal.Tests.Sink.BigQuery.Tables;

public sealed class BigQueryRestTypesTests
{
    [Fact]
    public void Every_column_type_round_trips_through_its_rest_name()
    {
        foreach (var type in Enum.GetValues<ColumnType>())
        {
            Assert.Equal(type, BigQueryRestTypes.Parse(BigQueryRestTypes.Name(type)));
        }
    }

    [Theory]
    [InlineData("INTEGER", ColumnType.Int64)]
    [InlineData("int64", ColumnType.Int64)]
    [InlineData("FLOAT", ColumnType.Float64)]
    [InlineData("FLOAT64", ColumnType.Float64)]
    [InlineData("BOOLEAN", ColumnType.Bool)]
    [InlineData("BOOL", ColumnType.Bool)]
    [InlineData("BIGNUMERIC", ColumnType.BigNumeric)]
    [InlineData("JSON", ColumnType.Json)]
    public void Legacy_and_standard_names_both_parse(string name, ColumnType expected) =>
        Assert.Equal(expected, BigQueryRestTypes.Parse(name));

    [Theory]
    [InlineData("GEOGRAPHY")]
    [InlineData("RECORD")]
    [InlineData("DATETIME")]
    [InlineData(null)]
    public void Types_streamheal_does_not_write_have_no_column_type(string? name) => Assert.Null(BigQueryRestTypes.Parse(name));

    [Fact]
    public void A_patch_body_names_only_the_schema_and_a_table_reads_with_its_etag()
    {
        var patch = new BigQueryTableResource(Schema: new BigQueryTableSchemaResource([new BigQueryFieldResource("color", "STRING", "NULLABLE")]));
        var json = JsonSerializer.Serialize(patch, BigQueryTablesJsonContext.Default.BigQueryTableResource);
        var read = JsonSerializer.Deserialize(
            """{"kind":"bigquery#table","etag":"abc==","tableReference":{"projectId":"p","datasetId":"d","tableId":"t"},"schema":{"fields":[{"name":"id","type":"INTEGER"}]},"numRows":"3"}""",
            BigQueryTablesJsonContext.Default.BigQueryTableResource)!;

        Assert.Equal("""{"schema":{"fields":[{"name":"color","type":"STRING","mode":"NULLABLE"}]}}""", json);
        Assert.Equal("abc==", read.Etag);
        Assert.Equal("t", read.TableReference!.TableId);
        Assert.Equal(new BigQueryFieldResource("id", "INTEGER"), Assert.Single(read.Schema!.Fields!));
    }
}
