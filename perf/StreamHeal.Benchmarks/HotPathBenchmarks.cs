using BenchmarkDotNet.Attributes;
using StreamHeal.CompatFilter;
using StreamHeal.Decode;
using StreamHeal.Decode.Avro;
using StreamHeal.Flatten;
using Filter = StreamHeal.CompatFilter.CompatFilter;

namespace StreamHeal.Benchmarks;

/// <summary>
/// Decode, flatten and compat-filter per event, as the blocks run them, in steady state: every column is already in
/// the table, so what remains is the per-event cost (the target is at most 256 bytes allocated per JSON event).
/// The JSON events keep their schema hazards, so the few quarantines the demo has are in the figures.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private byte[][] _json = [];
    private byte[][] _avro = [];
    private JsonDecoder _decoder = null!;
    private Flattener _flattener = null!;
    private AvroFlattener _avroFlattener = null!;
    private Filter _filter = null!;
    private TableSchema _jsonSchema = null!;
    private TableSchema _avroSchema = null!;

    [GlobalSetup]
    public void Setup()
    {
        _json = Corpus.Json;
        _avro = AvroEvents.Events;
        _decoder = new JsonDecoder(Corpus.DecodeOptions);
        _flattener = new Flattener(Corpus.FlattenOptions);
        _avroFlattener = new AvroFlattener(AvroEvents.Schema, Corpus.FlattenOptions);
        _filter = new Filter(Corpus.CompatOptions);
        (_, _jsonSchema) = Corpus.FilteredRows(_json.Select(e => _flattener.Flatten(e)));
        (_, _avroSchema) = Corpus.FilteredRows(_avro.Select(e => _avroFlattener.Flatten(e)));
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int Json()
    {
        var kept = 0;
        foreach (var value in _json)
        {
            var decoded = _decoder.Validate(value);
            if (!decoded.IsSuccess)
            {
                continue;
            }

            // As the pipeline does: the decoder's field count sizes the row.
            var row = _flattener.Flatten(value, decoded.FieldCount);
            _filter.Apply(row, _jsonSchema);
            kept += row.Count;
        }

        return kept;
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int Avro()
    {
        var kept = 0;
        foreach (var value in _avro)
        {
            var row = _avroFlattener.Flatten(value);
            _filter.Apply(row, _avroSchema);
            kept += row.Count;
        }

        return kept;
    }
}
