using NetArchTest.Rules;
using StreamHeal.Pipeline;
using Xunit;

namespace StreamHeal.Tests.Architecture;

/// <summary>
/// The layers of the library, bottom to top: the table model, records and flow; the stages; the pipeline that wires
/// them; the hosting that runs it. No arrow points up, and stages meet only through the records they pass.
/// </summary>
public sealed class LayerTests
{
    private static readonly string[] Stages = ["Poll", "Decode", "Flatten", "CompatFilter", "Batch", "Sink", "DeadLetter"];

    public static TheoryData<string> StageNames() => [.. Stages];

    private static Types Library => Types.InAssembly(typeof(IngestionPipeline).Assembly);

    private static string Describe(TestResult result) =>
        string.Join(", ", result.FailingTypeNames ?? []);

    [Theory]
    [MemberData(nameof(StageNames))]
    public void A_stage_depends_on_no_other_stage_nor_on_the_pipeline_or_hosting(string stage)
    {
        var forbidden = Stages.Where(s => s != stage).Select(s => $"StreamHeal.{s}")
            .Append("StreamHeal.Pipeline").Append("StreamHeal.Hosting").Append("StreamHeal.UseCases").ToArray();
        var result = Library.That().ResideInNamespace($"StreamHeal.{stage}").ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful, $"{stage} reaches into another layer: {Describe(result)}");
    }

    [Theory]
    [InlineData("Tables")]
    [InlineData("Records")]
    [InlineData("Flow")]
    public void The_bottom_layers_depend_on_no_stage_nor_on_what_is_above(string layer)
    {
        var forbidden = Stages.Select(s => $"StreamHeal.{s}").Append("StreamHeal.Pipeline").Append("StreamHeal.Hosting").ToArray();
        var result = Library.That().ResideInNamespace($"StreamHeal.{layer}").ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful, $"{layer} reaches up: {Describe(result)}");
    }

    [Fact]
    public void The_table_model_depends_on_nothing_else_in_the_library()
    {
        var result = Library.That().ResideInNamespace("StreamHeal.Tables").Should()
            .OnlyHaveDependenciesOn("System", "StreamHeal.Tables").GetResult();
        Assert.True(result.IsSuccessful, $"the table model depends on more than itself: {Describe(result)}");
    }

    // Guards the guards: rules over namespaces that match no type, or a reader that sees no dependency, pass for nothing.
    [Fact]
    public void The_rules_see_real_types_and_real_dependencies()
    {
        foreach (var stage in Stages)
        {
            Assert.NotEmpty(Library.That().ResideInNamespace($"StreamHeal.{stage}").GetTypes());
        }

        Assert.False(Library.That().ResideInNamespace("StreamHeal.Pipeline").ShouldNot().HaveDependencyOn("StreamHeal.Poll").GetResult().IsSuccessful);
    }

    [Fact]
    public void The_library_does_not_reference_the_command_line_parser()
    {
        var references = typeof(IngestionPipeline).Assembly.GetReferencedAssemblies().Select(a => a.Name);
        Assert.DoesNotContain("System.CommandLine", references);
        Assert.DoesNotContain("Spectre.Console", references);
    }

    // Hosting (Kestrel, the health and metrics endpoint) lives in StreamHeal.Hosting; the library runs without ASP.NET Core.
    [Fact]
    public void The_library_does_not_reference_ASP_NET_Core_nor_hold_the_hosting_namespace()
    {
        var references = typeof(IngestionPipeline).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "");
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Empty(Library.That().ResideInNamespace("StreamHeal.Hosting").GetTypes());
    }
}
