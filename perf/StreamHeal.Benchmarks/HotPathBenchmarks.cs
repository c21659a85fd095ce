using BenchmarkDotNet.Attributes;
using StreamHeal.Decode;
using StreamHeal.Decode.Avro;
using StreamHeal.Flatten;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using Filter = StreamHeal.CompatFilter.CompatFilter;
using StreamHeal.Tables;

namespace StreamHeal.Benchmarks;

/// <summary>
/// Decode, flatten and compat-filter per event, as the blocks run them, in steady state: every column is already in
/// the table, so what remains is the per-event cost. The <c>*_Encode</c> variants add the BigQuery sink's protobuf row
/// encoding into a reused pooled buffer: the first performance round's target (at most 256 bytes allocated per JSON
/// event) is defined over decode → flatten → filter → encode, the second's (at most 128) over the JSON path without the
/// encode. The JSON events keep their schema hazards, so the few quarantines the demo has are in the figures. Rows take
/// their field arrays from a <see cref="FlatFieldPool"/> and are released after use, as the sink stage releases them
/// once the sink confirmed them; both flatteners read from the event's array, so ids stay in it as they do in the
/// pipeline.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private static readonly DateTimeOffset Timestamp = DateTimeOffset.UnixEpoch.AddDays(20_000);

    private byte[][] _json = [];
    private byte[][] _avro = [];
    private JsonDecoder _decoder = null!;
    private JsonLimits _limits;
    private Flattener _flattener = null!;
    private AvroFlattener _avroFlattener = null!;
    private Filter _filter = null!;
    private TableSchema _jsonSchema = null!;
    private TableSchema _avroSchema = null!;
    private BigQueryRowEncoder _jsonEncoder = null!;
    private BigQueryRowEncoder _avroEncoder = null!;
    private PooledBufferWriter _output = null!;
    private long _ingestedMicros;

    [GlobalSetup]
    public void Setup()
    {
        _json = Corpus.Json;
        _avro = Corpus.AvroValues;
        _decoder = new JsonDecoder(Corpus.DecodeOptions);
        _limits = new JsonLimits(_decoder.MaxDepth, _decoder.MaxFields);
        var pool = new FlatFieldPool(1_024);
        _flattener = new Flattener(Corpus.FlattenOptions, pool);
        _avroFlattener = new AvroFlattener(Corpus.AvroSchema, Corpus.FlattenOptions, pool);
        _filter = new Filter(Corpus.CompatOptions);
        (_, _jsonSchema) = Corpus.FilteredRows(_json.Select(e => _flattener.Flatten(e)));
        (_, _avroSchema) = Corpus.FilteredRows(_avro.Select(e => _avroFlattener.Flatten(e)));
        _jsonEncoder = new BigQueryRowEncoder(new BigQueryRowLayout(_jsonSchema.Current.Columns));
        _avroEncoder = new BigQueryRowEncoder(new BigQueryRowLayout(_avroSchema.Current.Columns));
        _output = new PooledBufferWriter();
        _ingestedMicros = BigQueryTypes.ToMicros(Timestamp);
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int Json()
    {
        var kept = 0;
        foreach (var value in _json)
        {
            if (JsonRow(value) is { } row)
            {
                kept += row.Count;
                row.Release();
            }
        }

        return kept;
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int Json_Encode()
    {
        var bytes = 0;
        for (var i = 0; i < _json.Length; i++)
        {
            if (JsonRow(_json[i]) is { } row)
            {
                bytes += Encode(_jsonEncoder, row, i);
                row.Release();
            }
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int Avro()
    {
        var kept = 0;
        foreach (var value in _avro)
        {
            var row = AvroRow(value);
            kept += row.Count;
            row.Release();
        }

        return kept;
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int Avro_Encode()
    {
        var bytes = 0;
        for (var i = 0; i < _avro.Length; i++)
        {
            var row = AvroRow(_avro[i]);
            bytes += Encode(_avroEncoder, row, i);
            row.Release();
        }

        return bytes;
    }

    [GlobalCleanup]
    public void Cleanup() => _output.Dispose();

    private FlatRow? JsonRow(byte[] value)
    {
        // As the pipeline does: decode checks only the envelope, flatten reads the JSON once within the decoder's limits,
        // from the record's array, so strings no column shares stay in it.
        if (!_decoder.CheckEnvelope(value).IsSuccess || _flattener.TryFlatten(value, _limits) is not { } row)
        {
            return null;
        }

        _filter.Apply(row, _jsonSchema);
        return row;
    }

    private FlatRow AvroRow(byte[] value)
    {
        // As decode passes a record's value: the array, so strings no column shares stay in it.
        var row = _avroFlattener.Flatten(value, 0);
        _filter.Apply(row, _avroSchema);
        return row;
    }

    private int Encode(BigQueryRowEncoder encoder, FlatRow row, int offset)
    {
        // The sink builds one SinkRow per record in its batch array; here it lives on the stack.
        if (encoder.Encode(_output, Corpus.Topic, new SinkRow(0, offset, Timestamp, row), _ingestedMicros) is { } error)
        {
            throw new InvalidOperationException(error);
        }

        return _output.WrittenCount;
    }
}
