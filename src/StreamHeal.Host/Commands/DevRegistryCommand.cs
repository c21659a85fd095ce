using System.CommandLine;
using System.Runtime.InteropServices;
using StreamHeal.Dev.Registry;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>streamheal dev-registry</c>: the embedded, in-memory Confluent Schema Registry for local runs. The first stdout
/// line is its URL so scripts can read it; the process runs until Ctrl-C or SIGTERM and forgets every schema then.
/// </summary>
internal static class DevRegistryCommand
{
    public const int UsageErrorExitCode = 2;

    public static Command Create()
    {
        var port = new Option<int>("--port")
        {
            Description = "Port on 127.0.0.1; 0 picks a free one.",
            DefaultValueFactory = _ => 0,
        };

        var command = new Command("dev-registry", "Run an in-memory Confluent Schema Registry on 127.0.0.1 until Ctrl-C/SIGTERM. Prints its URL first.")
        {
            port,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult.GetValue(port), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int port, CancellationToken cancellationToken)
    {
        if (port is < 0 or > 65_535)
        {
            await Console.Error.WriteLineAsync($"--port must be between 0 and 65535 (got {port}).");
            return UsageErrorExitCode;
        }

        // As in dev-kafka: System.CommandLine handles signals only once the action first yields, and a script may
        // signal as soon as it has read the first line.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        EmbeddedSchemaRegistry registry;
        try
        {
            registry = await EmbeddedSchemaRegistry.StartAsync(port);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"Cannot listen on 127.0.0.1:{port}: {e.Message} Pick another --port, or 0 for a free one.");
            return 1;
        }

        await using (registry)
        {
            // Scripts read the first line to learn where to connect, so it goes out alone and at once.
            await Console.Out.WriteLineAsync(registry.Url);
            await Console.Out.FlushAsync(CancellationToken.None);
            await Console.Out.WriteLineAsync("in-memory schema registry running; Ctrl-C or SIGTERM stops it (schemas are not kept)");
            await Console.Out.FlushAsync(CancellationToken.None);

            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        await Console.Out.WriteLineAsync("schema registry stopped");
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
