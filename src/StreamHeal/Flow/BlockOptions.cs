using System.Threading.Tasks.Dataflow;

namespace StreamHeal.Flow;

/// <summary>
/// Every block's options are explicit: Dataflow's defaults are unbounded capacity (no backpressure), parallelism 1
/// and ordered output.
/// </summary>
internal static class BlockOptions
{
    /// <summary>Bounded, with output in input order so a partition's rows keep their Kafka order.</summary>
    public static ExecutionDataflowBlockOptions Ordered(int capacity, int parallelism, CancellationToken cancellationToken) => new()
    {
        BoundedCapacity = capacity,
        MaxDegreeOfParallelism = parallelism,
        EnsureOrdered = true,
        CancellationToken = cancellationToken,
    };

    /// <summary>Bounded, completing in any order (the DLQ: completion order does not matter to the offset tracker).</summary>
    public static ExecutionDataflowBlockOptions Unordered(int capacity, int parallelism, CancellationToken cancellationToken) => new()
    {
        BoundedCapacity = capacity,
        MaxDegreeOfParallelism = parallelism,
        EnsureOrdered = false,
        CancellationToken = cancellationToken,
    };
}
