using NetArchTest.Rules;
using StreamHeal.Alerting;
using StreamHeal.Pipeline;
using StreamHeal.Watchdog;
using Xunit;

namespace StreamHeal.Tests.Architecture;

/// <summary>
/// Alerting sits above the pipeline: the pipeline and its stages only call an observer interface, so no alert logic
/// (throttling, channels, Redis) can creep into the data path. The watchdog sits above alerting: it reads the
/// pipeline, raises incidents and takes recovery steps, and nothing it watches knows it is there.
/// </summary>
public sealed class AlertingLayerTests
{
    private static readonly string[] BelowAlerting = ["Poll", "Decode", "Flatten", "CompatFilter", "Batch", "Sink", "DeadLetter", "Pipeline", "Flow", "Records"];

    private static Types Library => Types.InAssembly(typeof(IngestionPipeline).Assembly);

    public static TheoryData<string, string> LowerAndUpper()
    {
        var pairs = new TheoryData<string, string>();
        foreach (var layer in BelowAlerting)
        {
            pairs.Add(layer, "Alerting");
            pairs.Add(layer, "Watchdog");
        }

        pairs.Add("Telemetry", "Watchdog");
        pairs.Add("Alerting", "Watchdog");
        return pairs;
    }

    [Theory]
    [MemberData(nameof(LowerAndUpper))]
    public void Nothing_below_alerting_or_the_watchdog_depends_on_them(string layer, string upper)
    {
        var result = Library.That().ResideInNamespace($"StreamHeal.{layer}").ShouldNot().HaveDependencyOn($"StreamHeal.{upper}").GetResult();
        Assert.True(result.IsSuccessful, $"{layer} reaches into {upper}: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void The_rule_sees_alerting_and_watchdog_types_and_their_dependency_on_the_pipeline()
    {
        Assert.NotEmpty(Library.That().ResideInNamespace("StreamHeal.Alerting").GetTypes());
        Assert.False(Library.That().HaveName(nameof(PipelineIncidents)).ShouldNot().HaveDependencyOn("StreamHeal.Pipeline").GetResult().IsSuccessful);
        Assert.NotEmpty(Library.That().ResideInNamespace("StreamHeal.Watchdog").GetTypes());
        Assert.False(Library.That().HaveName(nameof(PipelineSupervisor)).ShouldNot().HaveDependencyOn("StreamHeal.Pipeline").GetResult().IsSuccessful);
    }
}
