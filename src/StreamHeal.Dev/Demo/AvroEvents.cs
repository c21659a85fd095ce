using System.Buffers;
using System.Text.Json;
using Avro;
using Avro.Generic;
using Avro.IO;
using StreamHeal.SchemaRegistry;

namespace StreamHeal.Dev.Demo;

/// <summary>
/// The demo's Avro share: the same logical events as the JSON ones, written with one of two registered writer
/// schemas and framed in the Confluent wire format, plus poison Avro. Field names and nesting follow the JSON event
/// (<c>device</c> with <c>platform</c>, <c>model</c> and <c>screen{w,h}</c>), so both formats fill the same columns.
/// Encoding goes through Apache.Avro's generic writer: a tenth of the demo's events, never the ingestion path.
/// </summary>
public sealed class AvroEvents
{
    public const string Subject = DemoRunner.Topic + "-value";

    /// <summary>Never assigned: the embedded registry numbers schemas from 1 and the demo registers two.</summary>
    public const int UnknownSchemaId = 1_000_000;

    private const string Head = """{"type":"record","name":"Event","namespace":"streamheal.demo","fields":[""";

    private const string Sdk1Fields = """
          {"name":"event","type":"string"},
          {"name":"event_id","type":"string"},
          {"name":"ts","type":"long"},
          {"name":"user_id","type":"string"},
          {"name":"sdk_version","type":"string"},
          {"name":"app_version","type":"string"},
          {"name":"device","type":{"type":"record","name":"Device","fields":[
            {"name":"platform","type":"string"},
            {"name":"model","type":"string"},
            {"name":"screen","type":{"type":"record","name":"Screen","fields":[{"name":"w","type":"int"},{"name":"h","type":"int"}]}}]}},
          {"name":"session_seconds","type":"double"},
          {"name":"is_premium","type":"boolean"}
        """;

    private const string LocaleField = """,{"name":"locale","type":["null","string"],"default":null}""";

    private const string LaterSdkFields = """
          ,{"name":"tags","type":["null",{"type":"array","items":"string"}],"default":null},
          {"name":"network","type":["null","string"],"default":null},
          {"name":"geo","type":["null",{"type":"record","name":"Geo","fields":[{"name":"lat","type":"double"},{"name":"lon","type":"double"}]}],"default":null},
          {"name":"battery_pct","type":["null","int"],"default":null},
          {"name":"referrer","type":["null","string"],"default":null},
          {"name":"consent","type":["null",{"type":"record","name":"Consent","fields":[{"name":"analytics","type":"boolean"},{"name":"ads","type":"boolean"}]}],"default":null}
        """;

    private const string Tail = "]}";

    /// <summary>The fields of SDK 1 events.</summary>
    public const string V1 = Head + Sdk1Fields + Tail;

    /// <summary>V1 plus <c>locale</c>, which SDK 2 added; optional with a default, so the registry accepts it as backward compatible.</summary>
    public const string V2 = Head + Sdk1Fields + LocaleField + Tail;

    /// <summary>
    /// Every field any SDK sends, those after SDK 1 nullable: the benchmarks' Avro corpus. Avro is typed, so the JSON
    /// hazards cannot be expressed and the case-colliding extras (UserName, userId, ...) are left out.
    /// </summary>
    public const string AllFields = Head + Sdk1Fields + LocaleField + LaterSdkFields + Tail;

    // A truncated value keeps the header and this much payload: the first string's length and part of its text.
    private const int TruncatedPayloadBytes = 3;

    private readonly Writer _v1;
    private readonly Writer _v2;

    private sealed record Writer(int Id, RecordSchema Schema, GenericDatumWriter<GenericRecord> Datum);

    private AvroEvents(int v1Id, int v2Id)
    {
        _v1 = Create(v1Id, V1);
        _v2 = Create(v2Id, V2);
    }

    public int V1Id => _v1.Id;

    public int V2Id => _v2.Id;

    /// <summary>Registers both writer schema versions under <see cref="Subject"/>.</summary>
    public static async Task<AvroEvents> RegisterAsync(Confluent.SchemaRegistry.ISchemaRegistryClient client, CancellationToken cancellationToken)
    {
        var v1 = await client.RegisterAvroAsync(Subject, V1, cancellationToken);
        var v2 = await client.RegisterAvroAsync(Subject, V2, cancellationToken);
        return new AvroEvents(v1, v2);
    }

    /// <summary>The Confluent-framed Avro value of event <paramref name="index"/> in the given form.</summary>
    public byte[] ValueAt(SyntheticEvents events, long index, long total, AvroForm form)
    {
        using var json = JsonDocument.Parse(events.PlainEventAt(index, total));
        // Events from SDK 2 on carry locale, which only V2 has; older ones are written with V1, as an old app would.
        var writer = json.RootElement.TryGetProperty("locale", out _) ? _v2 : _v1;
        var value = Encode(form == AvroForm.UnknownSchema ? UnknownSchemaId : writer.Id, writer, json.RootElement);
        return form == AvroForm.Truncated ? value[..(ConfluentWireFormat.HeaderLength + TruncatedPayloadBytes)] : value;
    }

    private static Writer Create(int id, string schema)
    {
        var record = (RecordSchema)Schema.Parse(schema);
        return new Writer(id, record, new GenericDatumWriter<GenericRecord>(record));
    }

    private static byte[] Encode(int schemaId, Writer writer, JsonElement json)
    {
        var header = new ArrayBufferWriter<byte>(ConfluentWireFormat.HeaderLength);
        ConfluentWireFormat.Write(header, schemaId);
        using var stream = new MemoryStream(256);
        stream.Write(header.WrittenSpan);
        writer.Datum.Write(Record(writer.Schema, json), new BinaryEncoder(stream));
        return stream.ToArray();
    }

    /// <summary>The Avro binary of hazard-free event <paramref name="json"/> (<see cref="SyntheticEvents.PlainEventAt"/>) under <paramref name="schema"/>, without the wire-format header.</summary>
    public static byte[] EncodeBody(RecordSchema schema, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        using var stream = new MemoryStream(256);
        new GenericDatumWriter<GenericRecord>(schema).Write(Record(schema, document.RootElement), new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private static GenericRecord Record(RecordSchema schema, JsonElement json)
    {
        var record = new GenericRecord(schema);
        foreach (var field in schema.Fields)
        {
            var present = json.TryGetProperty(field.Name, out var value) && value.ValueKind != JsonValueKind.Null;
            record.Add(field.Name, present ? Value(field.Schema, value) : null);
        }

        return record;
    }

    private static object? Value(Schema schema, JsonElement json) => schema switch
    {
        RecordSchema record => Record(record, json),
        ArraySchema array => json.EnumerateArray().Select(item => Value(array.ItemSchema, item)).ToArray(),
        // The only unions here are ["null", T] and null was handled by the caller.
        UnionSchema union => Value(union.Schemas.First(static s => s.Tag != Schema.Type.Null), json),
        _ => schema.Tag switch
        {
            Schema.Type.String => json.GetString(),
            Schema.Type.Long => json.GetInt64(),
            Schema.Type.Int => json.GetInt32(),
            Schema.Type.Double => json.GetDouble(),
            Schema.Type.Boolean => json.GetBoolean(),
            _ => throw new ArgumentOutOfRangeException(nameof(schema), schema.Tag, "The demo's Avro schemas use no other type."),
        },
    };
}
