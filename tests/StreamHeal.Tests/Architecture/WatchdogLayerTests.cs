using NetArchTest.Rules;
using StreamHeal.Pipeline;
using StreamHeal.Watchdog;
using Xunit;

namespace StreamHeal.Tests.Architecture;

/// <summary>
/// The watchdog sits on top of the library: it reads the pipeline's status and partitions, raises incidents and takes
/// recovery steps, and nothing it watches knows it is there.
/// </summary>
public sealed class WatchdogLayerTests
{
    private static Types Library => Types.InAssembly(typeof(IngestionPipeline).Assembly);

    [Theory]
    [InlineData("Poll")]
    [InlineData("Decode")]
    [InlineData("Flatten")]
    [InlineData("CompatFilter")]
    [InlineData("Batch")]
    [InlineData("Sink")]
    [InlineData("DeadLetter")]
    [InlineData("Pipeline")]
    [InlineData("Flow")]
    [InlineData("Records")]
    [InlineData("Telemetry")]
    [InlineData("Alerting")]
    public void Nothing_the_watchdog_watches_depends_on_it(string layer)
    {
        var result = Library.That().ResideInNamespace($"StreamHeal.{layer}").ShouldNot().HaveDependencyOn("StreamHeal.Watchdog").GetResult();
        Assert.True(result.IsSuccessful, $"{layer} reaches into the watchdog: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void The_rule_sees_watchdog_types_and_their_dependency_on_the_pipeline()
    {
        Assert.NotEmpty(Library.That().ResideInNamespace("StreamHeal.Watchdog").GetTypes());
        Assert.False(Library.That().HaveName(nameof(PipelineSupervisor)).ShouldNot().HaveDependencyOn("StreamHeal.Pipeline").GetResult().IsSuccessful);
    }
}
