using Avro.Generic;
using Avro.IO;
using BenchmarkDotNet.Attributes;
using StreamHeal.Decode.Avro;

namespace StreamHeal.Benchmarks;

/// <summary>
/// Avro decode into a row: the planned <see cref="AvroFlattener"/> against Apache.Avro's generic reader followed by a
/// straightforward flatten of the <see cref="GenericRecord"/> tree. Figures are per event.
/// </summary>
[MemoryDiagnoser]
public class AvroDecodeBenchmarks
{
    private byte[][] _events = [];
    private AvroFlattener _flattener = null!;
    private GenericDatumReader<GenericRecord> _reader = null!;

    [GlobalSetup]
    public void Setup()
    {
        _events = Corpus.AvroValues;
        _flattener = new AvroFlattener(Corpus.AvroSchema, Corpus.FlattenOptions);
        _reader = new GenericDatumReader<GenericRecord>(Corpus.AvroSchema, Corpus.AvroSchema);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Corpus.Events)]
    public int ApacheAvroGenericReader()
    {
        var fields = 0;
        foreach (var value in _events)
        {
            // The generic reader only reads streams, so each event pays for its stream and decoder as a consumer would.
            var record = _reader.Read(null!, new BinaryDecoder(new MemoryStream(value, writable: false)));
            fields += NaiveAvroFlattener.Flatten(record).Count;
        }

        return fields;
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int AvroFlattener()
    {
        var fields = 0;
        foreach (var value in _events)
        {
            fields += _flattener.Flatten(value).Count;
        }

        return fields;
    }
}
