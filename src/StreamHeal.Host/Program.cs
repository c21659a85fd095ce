using System.CommandLine;
using StreamHeal.Host.Commands;

var root = new RootCommand("StreamHeal: self-healing Kafka → table ingestion.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // System.CommandLine reports a parse error with exit code 1, which here means "the work failed" (a pipeline
    // that cannot go on, an event that would be dead-lettered); a usage error is 2, like a bad configuration.
    await parse.InvokeAsync();
    return 2;
}

return await parse.InvokeAsync();
