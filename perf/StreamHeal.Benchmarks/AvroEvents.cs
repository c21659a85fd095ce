using System.Buffers;
using System.Text;
using System.Text.Json;
using Avro;
using AvroSchema = Avro.Schema;
using Avro.Generic;
using Avro.IO;
using StreamHeal.Records;

namespace StreamHeal.Benchmarks;

/// <summary>
/// The corpus re-encoded as Avro with a writer schema that mirrors the demo event. Avro is typed, so the JSON
/// hazards cannot be expressed: a model sent as an object keeps its name, an integer app_version becomes its text,
/// a string is_premium its boolean, and the case-colliding extras (UserName, userId, ...) are left out.
/// Fields newer SDKs add are nullable unions, null for older SDKs.
/// </summary>
internal static class AvroEvents
{
    public const string SchemaJson = """
        {"type":"record","name":"Event","namespace":"demo","fields":[
          {"name":"event","type":"string"},
          {"name":"event_id","type":"string"},
          {"name":"ts","type":"long"},
          {"name":"user_id","type":"string"},
          {"name":"sdk_version","type":"string"},
          {"name":"app_version","type":"string"},
          {"name":"device","type":{"type":"record","name":"Device","fields":[
            {"name":"platform","type":"string"},
            {"name":"model","type":"string"},
            {"name":"screen","type":{"type":"record","name":"Screen","fields":[
              {"name":"w","type":"int"},
              {"name":"h","type":"int"}]}}]}},
          {"name":"session_seconds","type":"double"},
          {"name":"is_premium","type":"boolean"},
          {"name":"tags","type":["null",{"type":"array","items":"string"}],"default":null},
          {"name":"locale","type":["null","string"],"default":null},
          {"name":"network","type":["null","string"],"default":null},
          {"name":"geo","type":["null",{"type":"record","name":"Geo","fields":[
            {"name":"lat","type":"double"},
            {"name":"lon","type":"double"}]}],"default":null},
          {"name":"battery_pct","type":["null","int"],"default":null},
          {"name":"referrer","type":["null","string"],"default":null},
          {"name":"consent","type":["null",{"type":"record","name":"Consent","fields":[
            {"name":"analytics","type":"boolean"},
            {"name":"ads","type":"boolean"}]}],"default":null}]}
        """;

    private static readonly Lazy<RecordSchema> LazySchema = new(static () => (RecordSchema)AvroSchema.Parse(SchemaJson));

    private static readonly Lazy<byte[][]> LazyEvents = new(static () => Corpus.Json.Select(Encode).ToArray());

    public static RecordSchema Schema => LazySchema.Value;

    public static byte[][] Events => LazyEvents.Value;

    /// <summary>What a consumer without a planned reader writes: names joined per field, values boxed by the reader.</summary>
    public static FlatRow NaiveFlatten(GenericRecord record)
    {
        var row = new FlatRow();
        AddRecord(row, null, record);
        return row;
    }

    private static void AddRecord(FlatRow row, string? prefix, GenericRecord record)
    {
        foreach (var field in record.Schema.Fields)
        {
            var name = prefix is null ? field.Name : prefix + "__" + field.Name;
            var value = record.GetValue(field.Pos);
            switch (value)
            {
                case GenericRecord nested:
                    AddRecord(row, name, nested);
                    break;
                case null:
                    row.Add(name, FieldValue.Null);
                    break;
                case string s:
                    row.Add(name, FieldValue.FromString(s));
                    break;
                case int i:
                    row.Add(name, FieldValue.FromInt64(i));
                    break;
                case long l:
                    row.Add(name, FieldValue.FromInt64(l));
                    break;
                case double d:
                    row.Add(name, FieldValue.FromDouble(d));
                    break;
                case bool b:
                    row.Add(name, FieldValue.FromBool(b));
                    break;
                case Array array:
                    row.Add(name, FieldValue.FromJson(ArrayJson(array)));
                    break;
                default:
                    throw new InvalidOperationException($"The demo schema has no {value.GetType()} field ({name}).");
            }
        }
    }

    private static string ArrayJson(Array array)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in array)
            {
                writer.WriteStringValue((string)item);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static byte[] Encode(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var schema = Schema;
        var record = new GenericRecord(schema);
        record.Add("event", root.GetProperty("event").GetString());
        record.Add("event_id", root.GetProperty("event_id").GetString());
        record.Add("ts", root.GetProperty("ts").GetInt64());
        record.Add("user_id", root.GetProperty("user_id").GetString());
        record.Add("sdk_version", root.GetProperty("sdk_version").GetString());
        var appVersion = root.GetProperty("app_version");
        record.Add("app_version", appVersion.ValueKind == JsonValueKind.String ? appVersion.GetString() : appVersion.GetRawText());

        var deviceJson = root.GetProperty("device");
        var device = new GenericRecord(Nested(schema, "device"));
        device.Add("platform", deviceJson.GetProperty("platform").GetString());
        var model = deviceJson.GetProperty("model");
        device.Add("model", model.ValueKind == JsonValueKind.Object ? model.GetProperty("name").GetString() : model.GetString());
        var screenJson = deviceJson.GetProperty("screen");
        var screen = new GenericRecord(Nested(device.Schema, "screen"));
        screen.Add("w", screenJson.GetProperty("w").GetInt32());
        screen.Add("h", screenJson.GetProperty("h").GetInt32());
        device.Add("screen", screen);
        record.Add("device", device);

        record.Add("session_seconds", root.GetProperty("session_seconds").GetDouble());
        var premium = root.GetProperty("is_premium");
        record.Add("is_premium", premium.ValueKind == JsonValueKind.String ? premium.GetString() == "true" : premium.GetBoolean());

        record.Add("tags", root.TryGetProperty("tags", out var tags) ? tags.EnumerateArray().Select(t => (object)t.GetString()!).ToArray() : null);
        record.Add("locale", root.TryGetProperty("locale", out var locale) ? locale.GetString() : null);
        record.Add("network", root.TryGetProperty("network", out var network) ? network.GetString() : null);
        record.Add("geo", root.TryGetProperty("geo", out var geo) ? Geo(schema, geo) : null);
        record.Add("battery_pct", root.TryGetProperty("battery_pct", out var battery) ? battery.GetInt32() : null);
        record.Add("referrer", null);
        record.Add("consent", root.TryGetProperty("consent", out var consent) ? Consent(schema, consent) : null);

        using var stream = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(schema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private static GenericRecord Geo(RecordSchema schema, JsonElement geo)
    {
        var record = new GenericRecord(Nested(schema, "geo"));
        record.Add("lat", geo.GetProperty("lat").GetDouble());
        record.Add("lon", geo.GetProperty("lon").GetDouble());
        return record;
    }

    private static GenericRecord Consent(RecordSchema schema, JsonElement consent)
    {
        var record = new GenericRecord(Nested(schema, "consent"));
        record.Add("analytics", consent.GetProperty("analytics").GetBoolean());
        record.Add("ads", consent.GetProperty("ads").GetBoolean());
        return record;
    }

    // A nullable field's record is the union's non-null branch.
    private static RecordSchema Nested(RecordSchema parent, string field) => parent[field].Schema switch
    {
        RecordSchema record => record,
        UnionSchema union => union.Schemas.OfType<RecordSchema>().Single(),
        var other => throw new InvalidOperationException($"Field {field} is {other.Tag}, not a record."),
    };
}
