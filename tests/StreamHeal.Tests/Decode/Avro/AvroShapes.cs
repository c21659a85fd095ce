using System.Collections.Immutable;
using System.Text;
using Avro;
using Avro.Generic;
using FsCheck;
using FsCheck.Fluent;

namespace StreamHeal.Tests.Decode.Avro;

/// <summary>A small model of record schemas (primitives, nullable unions, nested records) and values that fit them.</summary>
internal abstract record Shape;

internal sealed record PrimitiveShape(string Type) : Shape;

internal sealed record NullableShape(Shape Inner, bool NullFirst) : Shape;

internal sealed record RecordShape(IReadOnlyList<Shape> Fields) : Shape;

/// <summary>A generated schema and one value of it: a record's value is an <c>object?[]</c> of its field values.</summary>
internal sealed record ShapeCase(RecordShape Shape, object?[] Value)
{
    public override string ToString() => $"{AvroShapes.SchemaJson(Shape)} / {Value.Length} fields";
}

internal static class AvroShapes
{
    private static readonly string[] Primitives = ["boolean", "int", "long", "float", "double", "string", "bytes"];

    /// <summary>Depth ≤ 3, 1-8 fields per record.</summary>
    public static Gen<ShapeCase> Case =>
        Record(3).SelectMany(static shape => RecordValue(shape).Select(value => new ShapeCase(shape, value)));

    public static string SchemaJson(RecordShape shape)
    {
        var json = new StringBuilder();
        var names = 0;
        Write(shape, json, ref names);
        return json.ToString();
    }

    public static GenericRecord ToGeneric(RecordSchema schema, object?[] values)
    {
        var record = new GenericRecord(schema);
        for (var i = 0; i < values.Length; i++)
        {
            var field = schema.Fields[i];
            record.Add(field.Name, values[i] is object?[] nested ? ToGeneric(RecordOf(field.Schema), nested) : values[i]);
        }

        return record;
    }

    private static RecordSchema RecordOf(Schema schema) =>
        schema as RecordSchema ?? ((UnionSchema)schema).Schemas.OfType<RecordSchema>().Single();

    private static Gen<RecordShape> Record(int depth) =>
        Gen.Choose(1, 8).SelectMany(count => Field(depth).ListOf(count)).Select(static fields => new RecordShape([.. fields]));

    private static Gen<Shape> Field(int depth)
    {
        var primitive = Gen.Elements(Primitives).Select(static t => (Shape)new PrimitiveShape(t));
        var nonNull = depth <= 1
            ? primitive
            : Gen.Frequency((5, primitive), (1, Gen.Constant(0).SelectMany(_ => Record(depth - 1)).Select(static r => (Shape)r)));
        return Gen.Frequency(
            (3, nonNull),
            (1, Gen.Zip(nonNull, Gen.Elements(true, false)).Select(static p => (Shape)new NullableShape(p.Item1, p.Item2))));
    }

    private static Gen<object?[]> RecordValue(RecordShape shape) =>
        shape.Fields.Select(Value)
            .Aggregate(
                Gen.Constant(ImmutableList<object?>.Empty),
                static (values, next) => values.SelectMany(list => next.Select(v => list.Add(v))))
            .Select(static list => list.ToArray());

    private static Gen<object?> Value(Shape shape) => shape switch
    {
        NullableShape n => Gen.Frequency((1, Gen.Constant<object?>(null)), (2, Value(n.Inner))),
        RecordShape r => RecordValue(r).Select(static v => (object?)v),
        PrimitiveShape { Type: "boolean" } => Gen.Elements(true, false).Select(static b => (object?)b),
        PrimitiveShape { Type: "int" } => Int32.Select(static i => (object?)i),
        PrimitiveShape { Type: "long" } => Gen.Zip(Int32, Int32).Select(static p => (object?)(((long)p.Item1 << 32) | (uint)p.Item2)),
        PrimitiveShape { Type: "float" } => Int32.Select(static i => (object?)BitConverter.Int32BitsToSingle(i)),
        PrimitiveShape { Type: "double" } => Gen.Zip(Int32, Int32).Select(static p => (object?)BitConverter.Int64BitsToDouble(((long)p.Item1 << 32) | (uint)p.Item2)),
        PrimitiveShape { Type: "string" } => Gen.Elements("", "a", "café", "😀 x", "\"q\"\\", "line\nbreak", new string('z', 200)).Select(static s => (object?)s),
        _ => Gen.Choose(0, 40).SelectMany(static n => Gen.Choose(0, 255).Select(static b => (byte)b).ArrayOf(n)).Select(static b => (object?)b),
    };

    private static Gen<int> Int32 =>
        Gen.Frequency((3, Gen.Choose(int.MinValue, int.MaxValue)), (1, Gen.Elements(0, -1, 1, 63, -64, 64, int.MinValue, int.MaxValue)));

    private static void Write(Shape shape, StringBuilder json, ref int names)
    {
        switch (shape)
        {
            case PrimitiveShape p:
                json.Append('"').Append(p.Type).Append('"');
                break;
            case NullableShape n:
                json.Append(n.NullFirst ? "[\"null\"," : "[");
                Write(n.Inner, json, ref names);
                json.Append(n.NullFirst ? "]" : ",\"null\"]");
                break;
            case RecordShape r:
                json.Append("{\"type\":\"record\",\"name\":\"R").Append(names++).Append("\",\"fields\":[");
                for (var i = 0; i < r.Fields.Count; i++)
                {
                    json.Append(i > 0 ? "," : "").Append("{\"name\":\"f").Append(i).Append("\",\"type\":");
                    Write(r.Fields[i], json, ref names);
                    json.Append('}');
                }

                json.Append("]}");
                break;
        }
    }
}
