using BenchmarkDotNet.Attributes;
using StreamHeal.Decode;

namespace StreamHeal.Benchmarks;

/// <summary>Decode stage: one <see cref="JsonDecoder.Validate"/> pass per event; figures are per event.</summary>
[MemoryDiagnoser]
public class JsonDecodeBenchmarks
{
    private byte[][] _events = [];
    private JsonDecoder _decoder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _events = Corpus.Json;
        _decoder = new JsonDecoder(Corpus.DecodeOptions);
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int Validate()
    {
        var fields = 0;
        foreach (var value in _events)
        {
            fields += _decoder.Validate(value).FieldCount;
        }

        return fields;
    }
}
