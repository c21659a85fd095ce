using BenchmarkDotNet.Attributes;
using StreamHeal.Flatten;

namespace StreamHeal.Benchmarks;

/// <summary>Flatten stage: <see cref="Flattener.Flatten(ReadOnlySpan{byte})"/> as the flatten block calls it; per event.</summary>
[MemoryDiagnoser]
public class FlattenBenchmarks
{
    private byte[][] _events = [];
    private Flattener _flattener = null!;

    [GlobalSetup]
    public void Setup()
    {
        _events = Corpus.Json;
        _flattener = new Flattener(Corpus.FlattenOptions);
        // The name cache fills on first sight of a path; the benchmark measures the steady state after it.
        foreach (var value in _events)
        {
            _flattener.Flatten(value);
        }
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int Flatten()
    {
        var fields = 0;
        foreach (var value in _events)
        {
            fields += _flattener.Flatten(value).Count;
        }

        return fields;
    }
}
