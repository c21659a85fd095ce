using StreamHeal.TestSupport;
using System.Buffers;
using System.Net;
using Avro;
using Avro.Generic;
using Avro.IO;
using Confluent.Kafka;
using StreamHeal.DeadLetter;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.Pipeline;
using StreamHeal.SchemaRegistry;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Dev.Registry;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Pipeline;

[Collection(KafkaCollection.Name)]
public sealed class AvroPipelineTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private const string V1 = """
        {"type":"record","name":"Event","namespace":"app","fields":[
          {"name":"id","type":"long"},
          {"name":"event","type":"string"},
          {"name":"device","type":{"type":"record","name":"Device","fields":[{"name":"os","type":"string"}]}}]}
        """;

    private const string V2 = """
        {"type":"record","name":"Event","namespace":"app","fields":[
          {"name":"id","type":"long"},
          {"name":"event","type":"string"},
          {"name":"device","type":{"type":"record","name":"Device","fields":[{"name":"os","type":"string"}]}},
          {"name":"tags","type":{"type":"array","items":"string"},"default":[]},
          {"name":"price","type":["null","double"],"default":null}]}
        """;

    [Fact]
    public async Task Avro_from_two_writer_versions_and_json_share_a_table_and_poison_avro_reaches_the_dlq()
    {
        await using var scenario = new PipelineScenario(kafka, output, "avro", partitions: 1);
        await using var scope = await RegistryScope.StartAsync();
        var (registry, client, cache) = scope;
        var v1 = await client.RegisterAvroAsync(scenario.Topic + "-value", V1);
        var v2 = await client.RegisterAvroAsync(scenario.Topic + "-value", V2);

        var values = new List<(string Label, byte[] Value)>
        {
            ("v1", Encode(v1, V1, r => { r.Add("id", 1L); r.Add("event", "open"); r.Add("device", Device(V1, "ios")); })),
            ("v2", Encode(v2, V2, r => { r.Add("id", 2L); r.Add("event", "buy"); r.Add("device", Device(V2, "android")); r.Add("tags", new object[] { "a", "b" }); r.Add("price", 9.5); })),
            ("json", System.Text.Encoding.UTF8.GetBytes("""{"id":3,"event":"json","device":{"os":"web"}}""")),
            ("truncated", Encode(v1, V1, r => { r.Add("id", 4L); r.Add("event", "cut"); r.Add("device", Device(V1, "ios")); })[..8]),
            ("unknown id", [0, 0, 0, 3, 231, 2, 0]),
            ("unknown magic", [1, 0, 0, 0, 1, 2]),
        };

        var (positions, dlq) = await IngestAsync(scenario, cache, values);
        Assert.Equal("truncated_avro", dlq[positions["truncated"].Item2].ErrorType);
        Assert.Equal("schema_not_found", dlq[positions["unknown id"].Item2].ErrorType);
        Assert.Equal("unknown_magic_byte", dlq[positions["unknown magic"].Item2].ErrorType);
        Assert.Equal(3, dlq.Count);

        using var reader = new DuckDbTableReader(scenario.DatabasePath);
        var rows = reader.ReadRows(scenario.Table).ToDictionary(r => Convert.ToInt64(r["id"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("ios", rows[1]["device__os"]);
        Assert.Equal("android", rows[2]["device__os"]);
        Assert.Equal("web", rows[3]["device__os"]);
        Assert.Equal("[\"a\",\"b\"]", rows[2]["tags"]);
        Assert.Equal(9.5, rows[2]["price"]);
        Assert.Null(rows[1]["price"]);
    }

    /// <summary>
    /// Confluent's JSON Schema serializer frames JSON as Avro is framed (magic byte, schema id): its values are read as
    /// the JSON after the header, under the JSON rules. An id that names a Protobuf schema is refused with that reason.
    /// </summary>
    [Fact]
    public async Task Json_framed_by_the_json_schema_serializer_is_read_and_protobuf_is_refused_by_name()
    {
        await using var scenario = new PipelineScenario(kafka, output, "framed-json", partitions: 1);
        await using var scope = await RegistryScope.StartAsync();
        var (registry, client, cache) = scope;
        var json = await client.RegisterSchemaAsync(scenario.Topic + "-value", new Confluent.SchemaRegistry.Schema(
            """{"type":"object","properties":{"id":{"type":"integer"},"event":{"type":"string"}}}""", Confluent.SchemaRegistry.SchemaType.Json));
        var proto = await client.RegisterSchemaAsync("other-value", new Confluent.SchemaRegistry.Schema(
            """syntax = "proto3"; message Event { int64 id = 1; }""", Confluent.SchemaRegistry.SchemaType.Protobuf));

        var values = new List<(string Label, byte[] Value)>
        {
            ("framed json", Framed(json, """{"id":1,"event":"open","device":{"os":"ios"}}""")),
            ("framed array", Framed(json, "[1,2]")),
            ("framed not utf-8", [.. Framed(json, "{\"id\":2,\"event\":\""), 0xC3, 0x28, (byte)'"', (byte)'}']),
            ("plain json", System.Text.Encoding.UTF8.GetBytes("""{"id":3,"event":"plain"}""")),
            ("protobuf", [.. Framed(proto, ""), 0, 8, 4]),
        };

        var (positions, dlq) = await IngestAsync(scenario, cache, values);
        Assert.Equal("not_an_object", dlq[positions["framed array"].Item2].ErrorType);
        Assert.Equal("invalid_utf8", dlq[positions["framed not utf-8"].Item2].ErrorType);
        Assert.Equal("unsupported_schema_type", dlq[positions["protobuf"].Item2].ErrorType);
        Assert.Contains("PROTOBUF schema", dlq[positions["protobuf"].Item2].ErrorMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, dlq.Count);

        using var reader = new DuckDbTableReader(scenario.DatabasePath);
        var rows = reader.ReadRows(scenario.Table).ToDictionary(r => Convert.ToInt64(r["id"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, rows.Count);
        Assert.Equal("open", rows[1]["event"]);
        Assert.Equal("ios", rows[1]["device__os"]);
        Assert.Equal("plain", rows[3]["event"]);
    }

    /// <summary>Several event types in one topic: the writer schema is a union of records, and each event lands with its own record's columns.</summary>
    [Fact]
    public async Task A_writer_schema_that_is_a_union_of_records_lands_each_event_with_its_records_columns()
    {
        const string Union = """
            [{"type":"record","name":"Click","namespace":"app","fields":[{"name":"id","type":"long"},{"name":"x","type":"int"}]},
             {"type":"record","name":"View","namespace":"app","fields":[{"name":"id","type":"long"},{"name":"page","type":"string"}]}]
            """;
        await using var scenario = new PipelineScenario(kafka, output, "avro-union", partitions: 1);
        await using var scope = await RegistryScope.StartAsync();
        var (registry, client, cache) = scope;
        var id = await client.RegisterAvroAsync(scenario.Topic + "-value", Union);
        var union = (UnionSchema)Schema.Parse(Union);
        GenericRecord Event(int branch, params (string Name, object Value)[] fields)
        {
            var record = new GenericRecord((RecordSchema)union.Schemas[branch]);
            foreach (var (name, value) in fields)
            {
                record.Add(name, value);
            }

            return record;
        }

        var (_, dlq) = await IngestAsync(scenario, cache,
        [
            ("click", Frame(id, union, Event(0, ("id", 1L), ("x", 40)))),
            ("view", Frame(id, union, Event(1, ("id", 2L), ("page", "home")))),
        ]);

        Assert.Empty(dlq);
        using var reader = new DuckDbTableReader(scenario.DatabasePath);
        var rows = reader.ReadRows(scenario.Table).ToDictionary(r => Convert.ToInt64(r["id"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(40L, Convert.ToInt64(rows[1]["x"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(rows[1]["page"]);
        Assert.Equal("home", rows[2]["page"]);
        Assert.Null(rows[2]["x"]);
    }

    /// <summary>
    /// Produces <paramref name="values"/> in order, runs a pipeline until each is done, checks nothing was lost or written
    /// twice, and returns where each landed with the DLQ by original offset.
    /// </summary>
    private static async Task<(Dictionary<string, (int Partition, long Offset)> Positions, Dictionary<long, DeadLetterEntry> DeadLetters)> IngestAsync(
        PipelineScenario scenario, SchemaCache cache, List<(string Label, byte[] Value)> values)
    {
        var positions = new Dictionary<string, (int, long)>();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(scenario.BootstrapServers)).Build())
        {
            foreach (var (label, value) in values)
            {
                var report = await producer.ProduceAsync(scenario.Topic, new Message<byte[]?, byte[]?> { Value = value });
                positions[label] = (report.Partition.Value, report.Offset.Value);
            }
        }

        await using (var sink = scenario.OpenSink())
        {
            var pipeline = new StreamHeal.Pipeline.IngestionPipeline(scenario.Settings(), sink, scenario.Loggers, registrySchemas: cache);
            using var stop = new CancellationTokenSource();
            var running = Task.Run(() => pipeline.RunAsync(stop.Token));
            await PipelineScenario.WaitForDoneAsync(values.Count, TimeSpan.FromSeconds(30), pipeline);
            await stop.CancelAsync();
            await running;
        }

        PipelineScenario.AssertOk(await scenario.VerifyAsync([.. positions.Values]));
        var dlq = DeadLetterReader.ReadAll(scenario.BootstrapServers, scenario.Topic + ".dlq", TimeSpan.FromSeconds(30)).ToDictionary(d => d.OriginalOffset);
        return (positions, dlq);
    }

    /// <summary>Confluent's wire format: magic byte 0, the schema id big-endian, then the payload.</summary>
    private static byte[] Framed(int id, string payload) =>
        [0, (byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id, .. System.Text.Encoding.UTF8.GetBytes(payload)];

    [Fact]
    public async Task An_uncached_writer_schema_waits_out_a_registry_outage_instead_of_dead_lettering()
    {
        await using var scenario = new PipelineScenario(kafka, output, "avro-outage", partitions: 1);
        await using var scope = await RegistryScope.StartAsync();
        var (registry, client, cache) = scope;
        var id = await client.RegisterAvroAsync(scenario.Topic + "-value", V1);
        registry.FailWith(HttpStatusCode.ServiceUnavailable);

        await ProduceOneV1Async(scenario, id);

        await using var sink = scenario.OpenSink();
        var pipeline = new StreamHeal.Pipeline.IngestionPipeline(scenario.Settings(), sink, scenario.Loggers, registrySchemas: cache);
        // Nothing has waited on the registry yet, so the degraded flag below is the outage's, not a default.
        Assert.False(pipeline.Status.Degraded);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => pipeline.RunAsync(stop.Token));
        await Eventually.Until(() => pipeline.Status.Degraded && pipeline.Status.Polled == 1, TimeSpan.FromSeconds(30), "the record waiting on the registry");
        Assert.Equal(0, pipeline.Metrics.DeadLettered);

        registry.Heal();
        await PipelineScenario.WaitForDoneAsync(1, TimeSpan.FromSeconds(30), pipeline);
        Assert.Equal(1, pipeline.Metrics.Sunk);
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task A_registry_refusing_credentials_stops_the_pipeline_naming_them_and_dead_letters_nothing()
    {
        await using var scenario = new PipelineScenario(kafka, output, "avro-auth", partitions: 1);
        await using var scope = await RegistryScope.StartAsync();
        var (registry, client, cache) = scope;
        var id = await client.RegisterAvroAsync(scenario.Topic + "-value", V1);
        registry.FailWith(HttpStatusCode.Unauthorized, 401);

        await ProduceOneV1Async(scenario, id);

        await using var sink = scenario.OpenSink();
        var pipeline = new StreamHeal.Pipeline.IngestionPipeline(scenario.Settings(), sink, scenario.Loggers, registrySchemas: cache);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var failure = await Record.ExceptionAsync(() => pipeline.RunAsync(stop.Token));
        // Refused credentials are a configuration problem, not an outage to wait out and not the record's fault: the
        // service stops (its orchestrator restarts it, and an operator sees why) and the record stays unread.
        var stopped = Assert.IsType<PipelineFailedException>(failure);
        Assert.Contains("HTTP 401", stopped.Message, StringComparison.Ordinal);
        Assert.Contains("schemaRegistry.basicAuthUserInfo", stopped.Message, StringComparison.Ordinal);
        Assert.Equal(1, pipeline.Status.Polled);
        Assert.Equal(0, pipeline.Metrics.DeadLettered);
        Assert.Equal(0, pipeline.Metrics.Sunk);
        Assert.All(scenario.Committed().Values, committed => Assert.True(committed <= 0, $"committed {committed}"));
    }

    /// <summary>One V1 event (id 1, from an iOS device) framed with writer schema <paramref name="id"/>.</summary>
    private static async Task ProduceOneV1Async(PipelineScenario scenario, int id)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(scenario.BootstrapServers)).Build();
        await producer.ProduceAsync(scenario.Topic, new Message<byte[]?, byte[]?> { Value = Encode(id, V1, r => { r.Add("id", 1L); r.Add("event", "e"); r.Add("device", Device(V1, "ios")); }) });
    }

    private static GenericRecord Device(string writer, string os)
    {
        var schema = (RecordSchema)((RecordSchema)Schema.Parse(writer)).Fields.Single(f => f.Name == "device").Schema;
        var device = new GenericRecord(schema);
        device.Add("os", os);
        return device;
    }

    private static byte[] Encode(int schemaId, string writer, Action<GenericRecord> fill)
    {
        var schema = (RecordSchema)Schema.Parse(writer);
        var record = new GenericRecord(schema);
        fill(record);
        return Frame(schemaId, schema, record);
    }

    /// <summary><paramref name="datum"/> written with <paramref name="schema"/> in the Confluent wire format.</summary>
    private static byte[] Frame(int schemaId, Schema schema, object datum)
    {
        using var stream = new MemoryStream();
        var header = new ArrayBufferWriter<byte>();
        ConfluentWireFormat.Write(header, schemaId);
        stream.Write(header.WrittenSpan);
        new GenericDatumWriter<object>(schema).Write(datum, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    /// <summary>An embedded registry with the pipeline's client and schema cache on it; disposed in reverse order.</summary>
    private sealed class RegistryScope : IAsyncDisposable
    {
        private RegistryScope(EmbeddedSchemaRegistry server)
        {
            Server = server;
            Client = SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = server.Url, RequestTimeout = TimeSpan.FromSeconds(5) });
            Cache = new SchemaCache(Client, new SchemaRegistryOptions { Url = server.Url });
        }

        public EmbeddedSchemaRegistry Server { get; }

        public Confluent.SchemaRegistry.ISchemaRegistryClient Client { get; }

        public SchemaCache Cache { get; }

        public static async Task<RegistryScope> StartAsync() => new(await EmbeddedSchemaRegistry.StartAsync());

        public void Deconstruct(out EmbeddedSchemaRegistry server, out Confluent.SchemaRegistry.ISchemaRegistryClient client, out SchemaCache cache) =>
            (server, client, cache) = (Server, Client, Cache);

        public async ValueTask DisposeAsync()
        {
            Cache.Dispose();
            Client.Dispose();
            await Server.DisposeAsync();
        }
    }
}
