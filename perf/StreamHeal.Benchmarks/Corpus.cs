using Avro;
using StreamHeal.CompatFilter;
using StreamHeal.Decode;
using StreamHeal.Dev.Demo;
using StreamHeal.Flatten;
using StreamHeal.Records;
using StreamHeal.Tables;

namespace StreamHeal.Benchmarks;

/// <summary>
/// The demo generator's events, fixed seed and no poison, so every benchmark measures the same realistic mix of SDK
/// versions and schema hazards, and two runs on different machines compare like for like.
/// </summary>
internal static class Corpus
{
    public const int Seed = 42;

    public const int Events = 10_000;

    public const string Table = "events";

    public const string Topic = "events";

    private static readonly Lazy<byte[][]> LazyJson = new(static () =>
    {
        var generator = new SyntheticEvents(Seed, poisonShare: 0);
        var events = new byte[Events][];
        for (var i = 0; i < Events; i++)
        {
            events[i] = generator.ValueAt(i, Events);
        }

        return events;
    });

    public static byte[][] Json => LazyJson.Value;

    private static readonly Lazy<RecordSchema> LazyAvroSchema = new(static () => (RecordSchema)Schema.Parse(AvroEvents.AllFields));

    // The same events without their JSON hazards, which typed Avro cannot express, encoded as the demo encodes its Avro share.
    private static readonly Lazy<byte[][]> LazyAvro = new(static () =>
    {
        var generator = new SyntheticEvents(Seed, poisonShare: 0);
        var events = new byte[Events][];
        for (var i = 0; i < Events; i++)
        {
            events[i] = AvroEvents.EncodeBody(AvroSchema, generator.PlainEventAt(i, Events));
        }

        return events;
    });

    /// <summary>The writer schema of <see cref="AvroValues"/>: every field any SDK sends.</summary>
    public static RecordSchema AvroSchema => LazyAvroSchema.Value;

    /// <summary>The corpus's events as Avro binary, without the wire-format header.</summary>
    public static byte[][] AvroValues => LazyAvro.Value;

    public static DecodeOptions DecodeOptions { get; } = new();

    public static FlattenOptions FlattenOptions { get; } = new();

    public static CompatFilterOptions CompatOptions { get; } = new();

    /// <summary>
    /// Every event flattened and filtered once against a schema that learned the whole corpus, so the rows hold only
    /// what the sink would receive (nulls without a column and quarantined fields already removed).
    /// </summary>
    public static (FlatRow[] Rows, TableSchema Schema) FilteredRows(IEnumerable<FlatRow> rows)
    {
        var filter = new CompatFilter.CompatFilter(CompatOptions);
        var schema = new TableSchema(Table);
        var result = rows.ToArray();
        foreach (var row in result)
        {
            filter.Apply(row, schema);
        }

        return (result, schema);
    }

    public static (FlatRow[] Rows, TableSchema Schema) FilteredJsonRows()
    {
        var flattener = new Flattener(FlattenOptions);
        return FilteredRows(Json.Select(e => flattener.Flatten(e)));
    }

    /// <summary>As <see cref="FilteredJsonRows"/>, flattened as the pipeline does: strings no column shares stay in the event's bytes.</summary>
    public static (FlatRow[] Rows, TableSchema Schema) FilteredJsonRowsInTheirBytes()
    {
        var flattener = new Flattener(FlattenOptions);
        var decoder = new JsonDecoder(DecodeOptions);
        var limits = new JsonLimits(decoder.MaxDepth, decoder.MaxFields);
        return FilteredRows(Json.Select(e => flattener.TryFlatten(e, limits) ?? throw new InvalidOperationException("The corpus holds an event the flattener refuses.")));
    }
}
