using System.Text.Json;
using StreamHeal.Dev.BigQuery;
using StreamHeal.Sink.BigQuery.Tables;
using Xunit;
using StreamHeal.Tables;

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

    // The fake BigQuery reads the aliases from the library's table, so the two cannot disagree on what a name means.
    [Theory]
    [InlineData("int64", "INTEGER")]
    [InlineData("Float64", "FLOAT")]
    [InlineData("BOOL", "BOOLEAN")]
    [InlineData("decimal", "NUMERIC")]
    [InlineData("BIGDECIMAL", "BIGNUMERIC")]
    [InlineData("struct", "RECORD")]
    [InlineData("geography", "GEOGRAPHY")]
    public void A_standard_alias_means_its_legacy_name_to_the_library_and_the_fake(string alias, string legacy)
    {
        Assert.Equal(legacy, BigQueryRestTypes.Canonical(alias));
        Assert.Equal(BigQueryRestTypes.Parse(legacy), BigQueryRestTypes.Parse(alias));
        Assert.NotNull(FakeTableJson.ParseType(legacy));
        Assert.Equal(FakeTableJson.ParseType(legacy), FakeTableJson.ParseType(alias));
    }

    [Theory]
    [InlineData("GEOGRAPHY")]
    [InlineData("RECORD")]
    [InlineData("DATETIME")]
    [InlineData(null)]
    public void Types_streamheal_does_not_write_have_no_column_type(string? name) => Assert.Null(BigQueryRestTypes.Parse(name));

    [Fact]
    public void A_patch_body_names_only_the_schema_and_a_table_reads_with_its_etag()
    {
        var patch = new BigQueryTableResource(Schema: new BigQueryTableSchemaResource([BigQueryFieldJson.From(new BigQueryFieldResource("color", "STRING", "NULLABLE"))]));
        var json = JsonSerializer.Serialize(patch, BigQueryTablesJsonContext.Default.BigQueryTableResource);
        var read = JsonSerializer.Deserialize(
            """{"kind":"bigquery#table","etag":"abc==","tableReference":{"projectId":"p","datasetId":"d","tableId":"t"},"schema":{"fields":[{"name":"id","type":"INTEGER"}]},"numRows":"3"}""",
            BigQueryTablesJsonContext.Default.BigQueryTableResource)!;

        Assert.Equal("""{"schema":{"fields":[{"name":"color","type":"STRING","mode":"NULLABLE"}]}}""", json);
        Assert.Equal("abc==", read.Etag);
        Assert.Equal("t", read.TableReference!.TableId);
        var field = Assert.Single(read.Schema!.Fields!);
        Assert.Equal("id", BigQueryFieldJson.Name(field));
        Assert.Equal("INTEGER", BigQueryFieldJson.Type(field));
    }

    [Fact]
    public void A_field_read_is_written_back_as_it_came_unknown_and_nested_properties_included()
    {
        const string Field = """{"name":"audit","type":"RECORD","mode":"REPEATED","description":"who","futureProperty":{"x":[1,2.50,null]},"fields":[{"name":"by","type":"STRING","maxLength":"12","policyTags":{"names":["projects/p/locations/eu/taxonomies/1/policyTags/2"]}}]}""";
        var read = JsonSerializer.Deserialize($$$"""{"etag":"e","schema":{"fields":[{{{Field}}}]}}""", BigQueryTablesJsonContext.Default.BigQueryTableResource)!;

        var json = JsonSerializer.Serialize(read with { Etag = null }, BigQueryTablesJsonContext.Default.BigQueryTableResource);

        Assert.Equal($$$"""{"schema":{"fields":[{{{Field}}}]}}""", json);
        Assert.Equal("audit", BigQueryFieldJson.Name(read.Schema!.Fields![0]));
        Assert.Equal("RECORD", BigQueryFieldJson.Type(read.Schema.Fields[0]));
    }
}
