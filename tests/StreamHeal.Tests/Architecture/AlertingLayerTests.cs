using NetArchTest.Rules;
using StreamHeal.Alerting;
using StreamHeal.Pipeline;
using Xunit;

namespace StreamHeal.Tests.Architecture;

/// <summary>
/// Alerting sits above the pipeline: the pipeline and its stages only call an observer interface, so no alert logic
/// (throttling, channels, Redis) can creep into the data path.
/// </summary>
public sealed class AlertingLayerTests
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
    public void Nothing_below_alerting_depends_on_it(string layer)
    {
        var result = Library.That().ResideInNamespace($"StreamHeal.{layer}").ShouldNot().HaveDependencyOn("StreamHeal.Alerting").GetResult();
        Assert.True(result.IsSuccessful, $"{layer} reaches into alerting: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void The_rule_sees_alerting_types_and_their_dependency_on_the_pipeline()
    {
        Assert.NotEmpty(Library.That().ResideInNamespace("StreamHeal.Alerting").GetTypes());
        Assert.False(Library.That().HaveName(nameof(PipelineIncidents)).ShouldNot().HaveDependencyOn("StreamHeal.Pipeline").GetResult().IsSuccessful);
    }
}
