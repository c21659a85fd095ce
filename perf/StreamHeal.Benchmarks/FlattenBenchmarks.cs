using BenchmarkDotNet.Attributes;
using StreamHeal.Flatten;
using StreamHeal.Records;

namespace StreamHeal.Benchmarks;

/// <summary>
/// Flatten stage: <see cref="Flattener.Flatten(ReadOnlySpan{byte})"/> as the flatten block calls it; per event. The
/// baseline turns the value cache off (<see cref="FlattenOptions.MaxCachedValues"/> = 0), so every string value is a
/// new string, as before the cache existed.
/// </summary>
[MemoryDiagnoser]
public class FlattenBenchmarks
{
    private byte[][] _events = [];
    private Flattener _flattener = null!;
    private Flattener _uncached = null!;

    [GlobalSetup]
    public void Setup()
    {
        _events = Corpus.Json;
        _flattener = new Flattener(Corpus.FlattenOptions);
        _uncached = new Flattener(new FlattenOptions { MaxCachedValues = 0 });
        // The name and value caches fill on first sight; the benchmark measures the steady state after it.
        foreach (var value in _events)
        {
            _flattener.Flatten(value);
            _uncached.Flatten(value);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Corpus.Events)]
    public int Flatten_ValueCacheOff() => Run(_uncached);

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int Flatten() => Run(_flattener);

    private int Run(Flattener flattener)
    {
        var fields = 0;
        foreach (var value in _events)
        {
            fields += flattener.Flatten(value).Count;
        }

        return fields;
    }
}
