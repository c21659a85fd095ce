using Xunit;

namespace StreamHeal.IntegrationTests.Perf;

/// <summary>
/// The perf smoke tests run on their own, after the parallel collections: they keep both cores busy, and the chaos
/// tests beside them time their kills against appends in flight.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PerfCollection
{
    public const string Name = "perf";
}
