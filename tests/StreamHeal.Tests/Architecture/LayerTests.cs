using System.Reflection;
using System.Runtime.CompilerServices;
using Grpc.Core;
using NetArchTest.Rules;
using StreamHeal.Dev.BigQuery;
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
            .Append("StreamHeal.Pipeline").Append("StreamHeal.Hosting").Append("StreamHeal.UseCases").Append("StreamHeal.Operations").ToArray();
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

    // Operator commands read and write Kafka the way the service does (the DLQ's headers, the client settings), but
    // run no pipeline: they must work while the service is stopped, and the host wires their command line.
    [Fact]
    public void Operations_use_the_dead_letter_format_and_clients_but_no_pipeline_stage_or_hosting()
    {
        var forbidden = Stages.Where(static s => s != "DeadLetter").Select(static s => $"StreamHeal.{s}")
            .Append("StreamHeal.Pipeline").Append("StreamHeal.Hosting").Append("StreamHeal.UseCases").Append("StreamHeal.Demo").ToArray();
        var result = Library.That().ResideInNamespace("StreamHeal.Operations").ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful, $"Operations reach into the pipeline: {Describe(result)}");
        Assert.NotEmpty(Library.That().ResideInNamespace("StreamHeal.Operations").GetTypes());
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

    [Fact]
    public void The_library_does_not_reference_the_development_tools_and_holds_no_fake()
    {
        var library = typeof(IngestionPipeline).Assembly;
        Assert.DoesNotContain("StreamHeal.Dev", library.GetReferencedAssemblies().Select(a => a.Name));
        var result = Library.ShouldNot().HaveDependencyOn("StreamHeal.Dev").GetResult();
        Assert.True(result.IsSuccessful, $"the library reaches into the development tools: {Describe(result)}");
        var devTools = Library.That().HaveNameStartingWith("Fake").Or().HaveNameStartingWith("Mock").Or().HaveNameStartingWith("Demo")
            .Or().HaveNameStartingWith("Embedded").GetTypes();
        Assert.Empty(devTools);
        Assert.Equal("StreamHeal.Dev", typeof(FakeBigQuery).Assembly.GetName().Name);
    }

    [Fact]
    public void The_library_compiles_gRPC_client_stubs_only_and_opens_its_internals_to_tests_only()
    {
        static bool IsServerStub(Type type) => type.IsDefined(typeof(BindServiceMethodAttribute), inherit: false);
        var library = typeof(IngestionPipeline).Assembly;
        Assert.DoesNotContain(library.GetTypes(), IsServerStub);
        Assert.Contains(typeof(FakeBigQuery).Assembly.GetTypes(), IsServerStub); // the check sees a server stub where there is one
        var friends = library.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName).Order();
        Assert.Equal(["StreamHeal.Benchmarks", "StreamHeal.Hosting", "StreamHeal.IntegrationTests", "StreamHeal.Tests"], friends);
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
