using System.Text;
using StreamHeal.CompatFilter;
using StreamHeal.Decode;
using StreamHeal.Records;
using Xunit;
using StreamHeal.UseCases;
using StreamHeal.Tables;

namespace StreamHeal.Tests.CompatFilter;

public sealed class SchemaCheckTests
{
    private static SchemaCheckResult Check(string json, IEnumerable<TableColumn>? existing = null, CompatFilterOptions? options = null) =>
        new SchemaCheck(new DecodeOptions(), new FlattenOptions(), options ?? new CompatFilterOptions()).Check(Encoding.UTF8.GetBytes(json), existing ?? []);

    [Fact]
    public void An_empty_table_takes_every_field_as_a_new_column_typed_by_its_value()
    {
        var result = Check("""{"event":"open","n":3,"price":9.5,"vip":true,"device":{"model":"P8"},"tags":["a"],"gone":null}""");

        Assert.True(result.Ingested);
        Assert.Equal(
            [("event", "\"open\"", ColumnType.String), ("n", "3", ColumnType.Int64), ("price", "9.5", ColumnType.Float64), ("vip", "true", ColumnType.Bool),
             ("device__model", "\"P8\"", ColumnType.String), ("tags", "[\"a\"]", ColumnType.Json)],
            result.Columns.Select(static c => (c.Name, c.Value, c.Type)));
        Assert.All(result.Columns, static c => Assert.True(c.IsNew));
        Assert.Empty(result.Removed);
        Assert.Null(result.QuarantineJson);
    }

    [Fact]
    public void Existing_columns_decide_types_and_spelling_and_what_does_not_fit_is_quarantined()
    {
        TableColumn[] table = [new("app_version", ColumnType.String), new("userId", ColumnType.String), new("is_premium", ColumnType.Bool)];

        var result = Check("""{"app_version":412,"UserId":"u1","is_premium":"true","UserName":"a","username":"b","ok":1}""", table);

        Assert.True(result.Ingested);
        var ok = Assert.Single(result.Columns);
        Assert.Equal(("ok", ColumnType.Int64, true), (ok.Name, ok.Type, ok.IsNew));
        Assert.Equal(
            [("app_version", QuarantineReasons.TypeFlip, "STRING", "INT64"), ("UserId", QuarantineReasons.CaseCollisionWithTable, null, null),
             ("is_premium", QuarantineReasons.TypeFlip, "BOOL", "STRING"), ("UserName", QuarantineReasons.CaseCollisionInEvent, null, null),
             ("username", QuarantineReasons.CaseCollisionInEvent, null, null)],
            result.Removed.Select(static f => (f.Name, f.Reason, f.ExpectedType, f.ActualType)));
        Assert.Contains("\"name\":\"app_version\",\"value\":412,\"reason\":\"type_flip\"", result.QuarantineJson, StringComparison.Ordinal);
    }

    [Fact]
    public void A_column_the_table_has_is_not_new_and_the_callers_columns_are_not_changed()
    {
        var table = new List<TableColumn> { new("Event", ColumnType.String) };

        var result = Check("""{"Event":"x","extra":1}""", table);

        Assert.Equal([("Event", false), ("extra", true)], result.Columns.Select(static c => (c.Name, c.IsNew)));
        Assert.Single(table);
    }

    [Fact]
    public void A_leaf_that_arrives_as_an_object_makes_new_columns_not_a_flip()
    {
        var result = Check("""{"device":{"model":{"name":"Pixel 8","year":2023}}}""", [new TableColumn("device__model", ColumnType.String)]);

        Assert.Empty(result.Removed);
        Assert.Equal(["device__model__name", "device__model__year"], result.Columns.Select(static c => c.Name));
    }

    [Theory]
    [InlineData(NumberInference.Exact, ColumnType.Int64)]
    [InlineData(NumberInference.Float, ColumnType.Float64)]
    public void Number_inference_decides_what_an_integer_makes(NumberInference inference, ColumnType expected)
    {
        var result = Check("""{"session_seconds":120}""", options: new CompatFilterOptions { NumberInference = inference });

        Assert.Equal(expected, Assert.Single(result.Columns).Type);
    }

    [Fact]
    public void A_field_type_override_wins_over_inference()
    {
        var options = new CompatFilterOptions();
        options.FieldTypes["created_at"] = ColumnType.Timestamp;

        var result = Check("""{"created_at":"2024-05-01T10:00:00Z"}""", options: options);

        Assert.Equal(ColumnType.Timestamp, Assert.Single(result.Columns).Type);
    }

    [Theory]
    [InlineData("{\"a\":", DecodeErrors.InvalidJson)]
    [InlineData("[1,2]", DecodeErrors.NotAnObject)]
    [InlineData("", DecodeErrors.EmptyValue)]
    public void Input_decode_refuses_is_dead_lettered_with_its_reason(string json, string type)
    {
        var result = Check(json);

        Assert.False(result.Ingested);
        Assert.Equal((type, "decode"), (result.DeadLetter!.Type, result.DeadLetter.Stage));
        Assert.Empty(result.Columns);
    }

    [Fact]
    public void The_dlq_policy_dead_letters_an_event_with_a_removed_field_and_drop_clears_the_quarantine()
    {
        const string Json = """{"n":"text","ok":true}""";
        TableColumn[] table = [new("n", ColumnType.Int64)];

        var dead = Check(Json, table, new CompatFilterOptions { Policy = SchemaViolationPolicy.DeadLetter });
        var dropped = Check(Json, table, new CompatFilterOptions { Policy = SchemaViolationPolicy.Drop });

        Assert.Equal(("schema_violation", "compat-filter"), (dead.DeadLetter!.Type, dead.DeadLetter.Stage));
        Assert.Contains("n: type_flip (expected INT64, got STRING)", dead.DeadLetter.Message, StringComparison.Ordinal);
        Assert.True(dropped.Ingested);
        Assert.Single(dropped.Removed);
        Assert.Null(dropped.QuarantineJson);
    }

    [Fact]
    public void Column_lists_parse_type_names_in_any_case()
    {
        var columns = SchemaCheck.ParseColumns("""[{"name":"x","type":"Int64"},{"name":"y","type":"STRING"},{"name":"z","type":"bignumeric"}]"""u8);

        Assert.Equal([new TableColumn("x", ColumnType.Int64), new TableColumn("y", ColumnType.String), new TableColumn("z", ColumnType.BigNumeric)], columns);
    }

    [Theory]
    [InlineData("""{"name":"x"}""")]
    [InlineData("""[{"name":"x","type":"Int32"}]""")]
    [InlineData("""[{"name":"x","type":"3"}]""")]
    [InlineData("""[{"name":"x","type":"Int64,String"}]""")]
    [InlineData("""[{"type":"Int64"}]""")]
    [InlineData("""[{"name":"x","type":"Int64"},""")]
    public void Malformed_column_lists_are_refused(string json)
    {
        Assert.Throws<FormatException>(() => SchemaCheck.ParseColumns(Encoding.UTF8.GetBytes(json)));
    }
}
