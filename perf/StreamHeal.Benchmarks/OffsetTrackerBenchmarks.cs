using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using StreamHeal.Offsets;

namespace StreamHeal.Benchmarks;

/// <summary>
/// Offset tracking: Register then Complete for a window of one batch of offsets on a long-lived assignment, completed
/// in order or shuffled (as parallel sinks finish), with contiguous offsets or with gaps (compaction, transaction
/// markers). Figures are per offset (one Register plus one Complete). The <c>Runs</c> cases complete the window as the
/// sink stage does, a run of one partition's offsets at a time (<see cref="RunLength"/>, about a chunk on 64 partitions).
/// </summary>
[MemoryDiagnoser]
public class OffsetTrackerBenchmarks
{
    private const int Window = 5_000;
    private const int GapStride = 3;
    private const int RunLength = 40;

    private static readonly TopicPartition Partition = new(Corpus.Topic, 0);

    private readonly OffsetTracker _tracker = new();
    private long _generation;
    private long _base;
    private int[] _inOrder = [];
    private int[] _shuffled = [];

    [GlobalSetup]
    public void Setup()
    {
        _generation = _tracker.Assign(Partition);
        _inOrder = Enumerable.Range(0, Window).ToArray();
        _shuffled = [.. _inOrder];
        new Random(Corpus.Seed).Shuffle(_shuffled);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Window)]
    public long InOrder_Contiguous() => Run(_inOrder, stride: 1);

    [Benchmark(OperationsPerInvoke = Window)]
    public long Shuffled_Contiguous() => Run(_shuffled, stride: 1);

    [Benchmark(OperationsPerInvoke = Window)]
    public long InOrder_Gaps() => Run(_inOrder, GapStride);

    [Benchmark(OperationsPerInvoke = Window)]
    public long Shuffled_Gaps() => Run(_shuffled, GapStride);

    [Benchmark(OperationsPerInvoke = Window)]
    public long InOrder_Contiguous_Runs() => RunInRuns(_inOrder, stride: 1);

    [Benchmark(OperationsPerInvoke = Window)]
    public long Shuffled_Gaps_Runs() => RunInRuns(_shuffled, GapStride);

    private long RunInRuns(int[] completionOrder, int stride)
    {
        var start = _base;
        for (var i = 0; i < Window; i++)
        {
            _tracker.Register(Partition, _generation, start + i * stride);
        }

        Span<long> run = stackalloc long[RunLength];
        for (var first = 0; first < Window; first += RunLength)
        {
            var length = Math.Min(RunLength, Window - first);
            for (var j = 0; j < length; j++)
            {
                run[j] = start + completionOrder[first + j] * stride;
            }

            _tracker.Complete(Partition, _generation, run[..length]);
        }

        _base = start + Window * stride;
        return _base;
    }

    private long Run(int[] completionOrder, int stride)
    {
        var start = _base;
        for (var i = 0; i < Window; i++)
        {
            _tracker.Register(Partition, _generation, start + i * stride);
        }

        foreach (var i in completionOrder)
        {
            _tracker.Complete(Partition, _generation, start + i * stride);
        }

        _base = start + Window * stride;
        return _base;
    }
}
