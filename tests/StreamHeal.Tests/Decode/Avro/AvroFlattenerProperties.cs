using Avro;
using Avro.Generic;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Decode;
using StreamHeal.Decode.Avro;
using StreamHeal.Records;

namespace StreamHeal.Tests.Decode.Avro;

public sealed class AvroFlattenerProperties
{
    [Property(MaxTest = 200)]
    public Property Leaves_match_apache_avros_reader_flattened_naively() =>
        Prop.ForAll(AvroShapes.Case.ToArbitrary(), static c =>
        {
            var schema = (RecordSchema)Schema.Parse(AvroShapes.SchemaJson(c.Shape));
            var payload = AvroTestData.Encode(schema, AvroShapes.ToGeneric(schema, c.Value));
            var expected = new List<FlatField>();
            Naive(AvroTestData.ReferenceDecode(schema, payload), "", expected);

            var flattener = new AvroFlattener(schema, new FlattenOptions());
            var first = flattener.Flatten(payload);
            // The second decode reads its strings from the value cache the first one filled.
            var row = flattener.Flatten(payload);
            return first.Fields.SequenceEqual(expected) && row.Fields.SequenceEqual(expected) && row.Quarantine.Count == 0;
        });

    [Property(MaxTest = 200)]
    public Property A_body_inside_a_larger_array_reads_the_same_with_its_strings_kept_there() =>
        Prop.ForAll(AvroShapes.Case.ToArbitrary(), static c =>
        {
            var schema = (RecordSchema)Schema.Parse(AvroShapes.SchemaJson(c.Shape));
            var payload = AvroTestData.Encode(schema, AvroShapes.ToGeneric(schema, c.Value));
            var expected = new List<FlatField>();
            Naive(AvroTestData.ReferenceDecode(schema, payload), "", expected);
            // As the pipeline passes it: the body after a five-byte header, in the record's own array.
            var framed = new byte[5 + payload.Length];
            payload.CopyTo(framed, 5);

            // No shared strings, so every plain string value stays in the array.
            var flattener = new AvroFlattener(schema, new FlattenOptions { MaxCachedValues = 0 });
            var row = flattener.Flatten(framed, 5);
            var cached = new AvroFlattener(schema, new FlattenOptions()).Flatten(framed, 5);
            return row.Fields.SequenceEqual(expected) && cached.Fields.SequenceEqual(expected) && row.Quarantine.Count == 0;
        });

    [Property(MaxTest = 100)]
    public Property Every_truncation_of_a_valid_payload_is_truncated_avro() =>
        Prop.ForAll(AvroShapes.Case.ToArbitrary(), static c =>
        {
            var schema = (RecordSchema)Schema.Parse(AvroShapes.SchemaJson(c.Shape));
            var payload = AvroTestData.Encode(schema, AvroShapes.ToGeneric(schema, c.Value));
            var flattener = new AvroFlattener(schema, new FlattenOptions());
            return Enumerable.Range(0, payload.Length).All(length => FailsAs(flattener, payload[..length], DecodeErrors.TruncatedAvro));
        });

    [Property(MaxTest = 300)]
    public Property Corrupted_payloads_decode_or_throw_avro_decode_exception_only() =>
        Prop.ForAll(
            Gen.Zip(AvroShapes.Case, Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Choose(0, 255))).ToArbitrary(),
            static input =>
            {
                var (c, (position, value)) = input;
                var schema = (RecordSchema)Schema.Parse(AvroShapes.SchemaJson(c.Shape));
                var payload = AvroTestData.Encode(schema, AvroShapes.ToGeneric(schema, c.Value));
                if (payload.Length > 0)
                {
                    payload[position % payload.Length] = (byte)value;
                }

                return FailsAs(new AvroFlattener(schema, new FlattenOptions()), payload, null);
            });

    /// <summary>True when decoding succeeds (only if <paramref name="type"/> is null) or throws AvroDecodeException of that type.</summary>
    private static bool FailsAs(AvroFlattener flattener, byte[] payload, string? type)
    {
        try
        {
            flattener.Flatten(payload);
            return type is null;
        }
        catch (AvroDecodeException e)
        {
            return type is null || e.ErrorType == type;
        }
    }

    /// <summary>The obvious flattening of Apache.Avro's object model, to compare against.</summary>
    private static void Naive(GenericRecord record, string prefix, List<FlatField> leaves)
    {
        foreach (var field in record.Schema.Fields)
        {
            var name = prefix + field.Name;
            switch (record[field.Name])
            {
                case GenericRecord nested:
                    Naive(nested, name + "__", leaves);
                    break;
                case var leaf:
                    leaves.Add(new FlatField(name, leaf switch
                    {
                        null => FieldValue.Null,
                        bool b => FieldValue.FromBool(b),
                        int i => FieldValue.FromInt64(i),
                        long l => FieldValue.FromInt64(l),
                        float f => FieldValue.FromDouble(f),
                        double d => FieldValue.FromDouble(d),
                        string s => FieldValue.FromString(s),
                        byte[] bytes => FieldValue.FromString(Convert.ToBase64String(bytes)),
                        _ => throw new InvalidOperationException($"Unexpected {leaf.GetType()}"),
                    }));
                    break;
            }
        }
    }
}
