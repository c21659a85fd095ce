using Avro;
using Avro.Generic;
using Avro.IO;
using StreamHeal.Records;
using Xunit;
using static StreamHeal.Tests.Decode.Avro.AvroTestData;

namespace StreamHeal.Tests.Decode.Avro;

public sealed class AvroFlattenerTypeTests
{
    [Fact]
    public void Primitives_map_to_their_field_kinds()
    {
        var schema = Record("""
            {"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"f","type":"float"},{"name":"d","type":"double"},
            {"name":"b","type":"boolean"},{"name":"s","type":"string"},{"name":"by","type":"bytes"},{"name":"n","type":"null"}
            """);
        var row = RoundTrip(schema, Build(schema,
            ("i", -7), ("l", long.MinValue), ("f", 1.1f), ("d", -2.5), ("b", true), ("s", "café ✓"), ("by", new byte[] { 0, 255, 16 }), ("n", null)));

        Assert.Equal(["i", "l", "f", "d", "b", "s", "by", "n"], row.Fields.Select(static f => f.Name));
        Assert.Equal(FieldValue.FromInt64(-7), row[0].Value);
        Assert.Equal(FieldValue.FromInt64(long.MinValue), row[1].Value);
        Assert.Equal(FieldValue.FromDouble(1.1f), row[2].Value);
        Assert.Equal(FieldValue.FromDouble(-2.5), row[3].Value);
        Assert.Equal(FieldValue.FromBool(true), row[4].Value);
        Assert.Equal(FieldValue.FromString("café ✓"), row[5].Value);
        Assert.Equal(FieldValue.FromString("AP8Q"), row[6].Value);
        Assert.Equal(FieldValue.Null, row[7].Value);
        Assert.Empty(row.Quarantine);
    }

    [Fact]
    public void Enum_is_its_symbol_and_fixed_is_base64()
    {
        var schema = Record("""
            {"name":"e","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
            {"name":"x","type":{"type":"fixed","name":"Four","size":4}}
            """);
        var color = (EnumSchema)schema.Fields[0].Schema;
        var four = (FixedSchema)schema.Fields[1].Schema;
        var row = RoundTrip(schema, Build(schema, ("e", new GenericEnum(color, "GREEN")), ("x", new GenericFixed(four, [1, 2, 3, 4]))));

        Assert.Equal(FieldValue.FromString("GREEN"), row[0].Value);
        Assert.Equal(FieldValue.FromString("AQIDBA=="), row[1].Value);
    }

    [Fact]
    public void Arrays_and_maps_become_compact_json()
    {
        var schema = Record("""
            {"name":"xs","type":{"type":"array","items":"long"}},
            {"name":"rs","type":{"type":"array","items":{"type":"record","name":"P","fields":[{"name":"a","type":["null","string"]},{"name":"d","type":"double"}]}}},
            {"name":"m","type":{"type":"map","values":{"type":"array","items":"boolean"}}},
            {"name":"empty","type":{"type":"array","items":"int"}}
            """);
        var p = (RecordSchema)((ArraySchema)schema.Fields[1].Schema).ItemSchema;
        var row = RoundTrip(schema, Build(schema,
            ("xs", new long[] { 1, -2, 3 }),
            ("rs", new object[] { Build(p, ("a", "q\"é"), ("d", 0.5)), Build(p, ("a", null), ("d", double.NaN)) }),
            ("m", new Dictionary<string, object> { ["k"] = new[] { true, false } }),
            ("empty", Array.Empty<int>())));

        Assert.Equal(FieldValue.FromJson("[1,-2,3]"), row[0].Value);
        Assert.Equal(FieldValue.FromJson("""[{"a":"q\"é","d":0.5},{"a":null,"d":"NaN"}]"""), row[1].Value);
        Assert.Equal(FieldValue.FromJson("""{"k":[true,false]}"""), row[2].Value);
        Assert.Equal(FieldValue.FromJson("[]"), row[3].Value);
    }

    [Fact]
    public void Nullable_union_gives_null_or_the_value_at_the_same_name()
    {
        Assert.Equal(FieldValue.Null, One("""["null","string"]""", null));
        Assert.Equal(FieldValue.FromString("x"), One("""["null","string"]""", "x"));
        Assert.Equal(FieldValue.FromInt64(5), One("""["long","null"]""", 5L));
    }

    [Fact]
    public void Multi_type_union_gives_the_present_branch()
    {
        Assert.Equal(FieldValue.FromString("s"), One("""["string","long"]""", "s"));
        Assert.Equal(FieldValue.FromInt64(9), One("""["string","long"]""", 9L));
    }

    [Fact]
    public void Nested_records_flatten_like_json_objects_and_a_null_record_is_null_at_its_name()
    {
        var schema = Record("""
            {"name":"a","type":{"type":"record","name":"A","fields":[
                {"name":"b","type":{"type":"record","name":"B","fields":[{"name":"c","type":"int"}]}},
                {"name":"e","type":{"type":"record","name":"E","fields":[]}}]}},
            {"name":"o","type":["null",{"type":"record","name":"O","fields":[{"name":"x","type":"string"}]}]}
            """);
        var a = (RecordSchema)schema.Fields[0].Schema;
        var b = (RecordSchema)a.Fields[0].Schema;
        var e = (RecordSchema)a.Fields[1].Schema;
        var o = (RecordSchema)((UnionSchema)schema.Fields[1].Schema).Schemas[1];
        var inner = Build(a, ("b", Build(b, ("c", 3))), ("e", new GenericRecord(e)));

        var present = RoundTrip(schema, Build(schema, ("a", inner), ("o", Build(o, ("x", "y")))));
        var absent = RoundTrip(schema, Build(schema, ("a", inner), ("o", null)));

        Assert.Equal([("a__b__c", FieldValue.FromInt64(3)), ("a__e", FieldValue.FromJson("{}")), ("o__x", FieldValue.FromString("y"))],
            present.Fields.Select(static f => (f.Name, f.Value)));
        Assert.Equal(("o", FieldValue.Null), (absent[2].Name, absent[2].Value));
    }

    [Fact]
    public void A_record_that_contains_itself_is_kept_whole_where_it_recurs()
    {
        var schema = Record("""{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}""", "Node");
        var row = RoundTrip(schema, Build(schema, ("v", 1), ("next", Build(schema, ("v", 2), ("next", Build(schema, ("v", 3), ("next", null)))))));

        Assert.Equal(["v", "next"], row.Fields.Select(static f => f.Name));
        Assert.Equal(FieldValue.FromJson("""{"v":2,"next":{"v":3,"next":null}}"""), row[1].Value);
    }

    [Fact]
    public void Top_level_must_be_a_record_or_a_union_of_records()
    {
        var error = Assert.Throws<ArgumentException>(() => new StreamHeal.Decode.Avro.AvroFlattener("\"string\"", new global::StreamHeal.Records.FlattenOptions()));
        Assert.Contains("must be a record, or a union of records", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new StreamHeal.Decode.Avro.AvroFlattener("""["null","string"]""", new global::StreamHeal.Records.FlattenOptions()));
    }

    /// <summary>Several event types in one topic: the writer schema is a union of records, and each event is one of them.</summary>
    [Fact]
    public void A_top_level_union_of_records_flattens_the_branch_each_event_was_written_with()
    {
        var union = (UnionSchema)Schema.Parse("""
            [{"type":"record","name":"Click","fields":[{"name":"x","type":"long"},{"name":"device","type":{"type":"record","name":"Device","fields":[{"name":"os","type":"string"}]}}]},
             {"type":"record","name":"View","fields":[{"name":"page","type":"string"}]}]
            """);
        var click = (RecordSchema)union.Schemas[0];
        var device = (RecordSchema)click.Fields[1].Schema;
        var view = (RecordSchema)union.Schemas[1];
        var flattener = new StreamHeal.Decode.Avro.AvroFlattener(union, new global::StreamHeal.Records.FlattenOptions());

        var clicked = flattener.Flatten(EncodeUnion(union, Build(click, ("x", 7L), ("device", Build(device, ("os", "ios"))))));
        var viewed = flattener.Flatten(EncodeUnion(union, Build(view, ("page", "home"))));

        Assert.Equal(["x", "device__os"], clicked.Fields.Select(static f => f.Name));
        Assert.Equal(FieldValue.FromInt64(7), clicked[0].Value);
        Assert.Equal("ios", clicked[1].Value.AsText);
        Assert.Equal(["page"], viewed.Fields.Select(static f => f.Name));
        Assert.Equal("home", viewed[0].Value.AsText);
    }

    private static byte[] EncodeUnion(UnionSchema schema, GenericRecord record)
    {
        using var stream = new MemoryStream();
        new GenericDatumWriter<object>(schema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }
}
