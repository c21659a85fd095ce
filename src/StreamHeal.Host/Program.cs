using System.CommandLine;
using StreamHeal.Host.Commands;

var root = new RootCommand("StreamHeal: self-healing Kafka → table ingestion.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

// System.CommandLine ends the process with exit code 143 when an action has not returned 2 s after SIGTERM (130 after
// Ctrl-C). The service's own stop (drain, final commit, leaving the group) is bounded at well under this, so only a
// process stuck past every one of those bounds is cut short.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(3) };
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // System.CommandLine reports a parse error with exit code 1, which here means "the work failed" (a pipeline
    // that cannot go on, an event that would be dead-lettered); a usage error is 2, like a bad configuration.
    await parse.InvokeAsync(invocation);
    return 2;
}

return await parse.InvokeAsync(invocation);
