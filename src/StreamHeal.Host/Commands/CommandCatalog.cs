using System.CommandLine;

namespace StreamHeal.Host.Commands;

/// <summary>Every verb of the <c>streamheal</c> executable, in the order <c>--help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return RunCommand.Create();
        yield return DemoCommand.Create();
        yield return DevKafkaCommand.Create();
        yield return DevRegistryCommand.Create();
        yield return SchemaCommand.Create();
        yield return DlqCommand.Create();
        yield return OffsetsCommand.Create();
        yield return ProduceSampleCommand.Create();
        yield return AlertsCommand.Create();
    }
}
