using System.Text.Json.Serialization;

namespace StreamHeal.Host.Commands;

internal sealed record DemoJson(
    [property: JsonPropertyName("produced")] long Produced,
    [property: JsonPropertyName("sunk")] long Sunk,
    [property: JsonPropertyName("dead_lettered")] long DeadLettered,
    [property: JsonPropertyName("duplicates")] long Duplicates,
    [property: JsonPropertyName("missing")] long Missing,
    [property: JsonPropertyName("elapsed_s")] double ElapsedSeconds,
    [property: JsonPropertyName("events_per_s")] double EventsPerSecond,
    [property: JsonPropertyName("columns_added")] int ColumnsAdded,
    [property: JsonPropertyName("collisions_quarantined")] long CollisionsQuarantined,
    [property: JsonPropertyName("flips_quarantined")] long FlipsQuarantined,
    [property: JsonPropertyName("avro_events")] long AvroEvents,
    [property: JsonPropertyName("dead_letter_types")] IReadOnlyDictionary<string, long> DeadLetterTypes,
    [property: JsonPropertyName("schema_state_versions")] int SchemaStateVersions,
    [property: JsonPropertyName("sink")] string Sink,
    [property: JsonPropertyName("delivery"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Delivery,
    [property: JsonPropertyName("sink_stats"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DemoSinkStatsJson? SinkStats);

/// <summary>The BigQuery sink's counters at the end of the demo.</summary>
internal sealed record DemoSinkStatsJson(
    [property: JsonPropertyName("appends")] long Appends,
    [property: JsonPropertyName("throttles")] long Throttles,
    [property: JsonPropertyName("reconnects")] long Reconnects);

[JsonSerializable(typeof(DemoJson))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
