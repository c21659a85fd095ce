using System.Text;
using StreamHeal.Decode.Avro;
using StreamHeal.Flatten;
using StreamHeal.Records;
using Xunit;
using static StreamHeal.Tests.Decode.Avro.AvroTestData;

namespace StreamHeal.Tests.Decode.Avro;

public sealed class AvroFlattenerNamingTests
{
    [Fact]
    public void Names_match_the_json_flattener_for_the_same_event()
    {
        var options = new FlattenOptions { Separator = "_x_", MaxNameLength = 20 };
        var schema = Record("""
            {"name":"userProfile","type":{"type":"record","name":"U","fields":[{"name":"firstName","type":"string"},{"name":"_7","type":"long"}]}},
            {"name":"a_very_long_field_name_that_is_cut","type":"boolean"}
            """);
        var u = (global::Avro.RecordSchema)schema.Fields[0].Schema;
        var avro = RoundTrip(schema, Build(schema, ("userProfile", Build(u, ("firstName", "x"), ("_7", 1L))), ("a_very_long_field_name_that_is_cut", true)), options);
        var json = new Flattener(options).Flatten(Encoding.UTF8.GetBytes(
            """{"userProfile":{"firstName":"x","_7":1},"a_very_long_field_name_that_is_cut":true}"""));

        Assert.Equal(json.Fields, avro.Fields);
    }

    [Fact]
    public void Reserved_names_go_to_quarantine()
    {
        var schema = Record("""{"name":"_kafka_offset","type":"long"},{"name":"_QUARANTINE","type":"double"},{"name":"ok","type":"int"}""");
        var row = RoundTrip(schema, Build(schema, ("_kafka_offset", 5L), ("_QUARANTINE", double.PositiveInfinity), ("ok", 1)));

        Assert.Equal("ok", Assert.Single(row.Fields).Name);
        Assert.Equal(
            [new QuarantinedField("_kafka_offset", "5", QuarantineReasons.ReservedName), new QuarantinedField("_QUARANTINE", "\"Infinity\"", QuarantineReasons.ReservedName)],
            row.Quarantine);
        Assert.NotNull(row.QuarantineJson());
    }

    [Fact]
    public void A_name_reached_twice_keeps_the_first_value_and_quarantines_the_second()
    {
        var schema = Record("""
            {"name":"a__b","type":"int"},
            {"name":"a","type":{"type":"record","name":"A","fields":[{"name":"b","type":"string"}]}}
            """);
        var a = (global::Avro.RecordSchema)schema.Fields[1].Schema;
        var row = RoundTrip(schema, Build(schema, ("a__b", 1), ("a", Build(a, ("b", "two")))));

        Assert.Equal([new FlatField("a__b", FieldValue.FromInt64(1))], row.Fields);
        Assert.Equal([new QuarantinedField("a.b", "\"two\"", QuarantineReasons.NameCollision)], row.Quarantine);
    }

    [Fact]
    public void Union_branches_share_their_field_name_without_colliding()
    {
        var schema = Single("""["null","long","string"]""");
        var flattener = new AvroFlattener(schema, new FlattenOptions());
        foreach (var value in new object?[] { null, 3L, "s" })
        {
            var row = flattener.Flatten(Encode(schema, Build(schema, ("v", value))));
            Assert.Equal("v", Assert.Single(row.Fields).Name);
            Assert.Empty(row.Quarantine);
        }
    }

    [Fact]
    public void Arrays_go_to_quarantine_in_quarantine_mode_and_maps_stay()
    {
        var schema = Record("""{"name":"xs","type":{"type":"array","items":"int"}},{"name":"m","type":{"type":"map","values":"int"}}""");
        var row = RoundTrip(schema, Build(schema, ("xs", new[] { 1, 2 }), ("m", new Dictionary<string, object> { ["k"] = 1 })),
            new FlattenOptions { ArrayMode = ArrayMode.Quarantine });

        Assert.Equal([new FlatField("m", FieldValue.FromJson("""{"k":1}"""))], row.Fields);
        Assert.Equal([new QuarantinedField("xs", "[1,2]", QuarantineReasons.ArrayValue)], row.Quarantine);
    }
}
