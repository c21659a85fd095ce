using System.CommandLine;
using StreamHeal.Host.Commands;

var root = new RootCommand("StreamHeal: self-healing Kafka → table ingestion.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
