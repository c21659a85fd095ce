using Avro;
using Avro.Generic;
using Avro.IO;
using StreamHeal.Decode.Avro;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.Decode.Avro;

/// <summary>Encodes test records with Apache.Avro's own writer, so the decoder is checked against the reference encoding.</summary>
internal static class AvroTestData
{
    public static RecordSchema Record(string fieldsJson, string name = "Event") =>
        (RecordSchema)Schema.Parse($$"""{"type":"record","name":"{{name}}","fields":[{{fieldsJson}}]}""");

    /// <summary>A record with one field <c>v</c> of the given type.</summary>
    public static RecordSchema Single(string typeJson) => Record($$"""{"name":"v","type":{{typeJson}}}""");

    public static GenericRecord Build(RecordSchema schema, params (string Name, object? Value)[] fields)
    {
        var record = new GenericRecord(schema);
        foreach (var (name, value) in fields)
        {
            record.Add(name, value);
        }

        return record;
    }

    public static byte[] Encode(RecordSchema schema, GenericRecord record)
    {
        using var stream = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(schema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    public static GenericRecord ReferenceDecode(RecordSchema schema, byte[] payload)
    {
        using var stream = new MemoryStream(payload);
        return new GenericDatumReader<GenericRecord>(schema, schema).Read(null!, new BinaryDecoder(stream));
    }

    public static FlatRow RoundTrip(RecordSchema schema, GenericRecord record, FlattenOptions? options = null) =>
        new AvroFlattener(schema, options ?? new FlattenOptions()).Flatten(Encode(schema, record));

    /// <summary>The row of a single-field record <c>{v: value}</c>.</summary>
    public static FieldValue One(string typeJson, object? value)
    {
        var schema = Single(typeJson);
        var row = RoundTrip(schema, Build(schema, ("v", value)));
        Assert.Equal("v", Assert.Single(row.Fields).Name);
        return row[0].Value;
    }

    public static AvroDecodeException Fails(RecordSchema schema, byte[] payload) =>
        Assert.Throws<AvroDecodeException>(() => new AvroFlattener(schema, new FlattenOptions()).Flatten(payload));
}
