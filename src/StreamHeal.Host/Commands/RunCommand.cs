using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamHeal.Hosting;

namespace StreamHeal.Host.Commands;

/// <summary><c>streamheal run</c>: the service itself.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config")
        {
            Description = "A JSON settings file, applied over appsettings.json; STREAMHEAL__SECTION__KEY environment variables apply over both.",
        };
        var command = new Command("run", "Run the ingestion service: Kafka topics → decode → flatten → compat-filter → batch → sink.") { config };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(config), ct));
        return command;
    }

    /// <summary>Environment variables with this prefix apply over the files: <c>STREAMHEAL__SECTION__KEY</c>.</summary>
    internal const string EnvironmentPrefix = "STREAMHEAL__";

    /// <summary>
    /// The service's host as <c>run</c> builds it: <c>appsettings.json</c> in the working folder, then
    /// <paramref name="config"/>, then <paramref name="environment"/> (the <see cref="EnvironmentPrefix"/> variables;
    /// the packaging tests pass a Kubernetes container's <c>env</c> instead). Not validated yet: see
    /// <see cref="StreamHealServices.ValidateConfiguration"/>.
    /// </summary>
    /// <exception cref="InvalidDataException"><paramref name="config"/> is not valid JSON.</exception>
    internal static IHost BuildHost(FileInfo? config, IConfigurationSource environment)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        if (config is not null)
        {
            builder.Configuration.AddJsonFile(config.FullName, optional: false, reloadOnChange: false);
        }

        ((IConfigurationBuilder)builder.Configuration).Add(environment);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(static o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddStreamHeal(builder.Configuration);
        return builder.Build();
    }

    private static async Task<int> RunAsync(FileInfo? config, CancellationToken cancellationToken)
    {
        if (config is { Exists: false })
        {
            await Console.Error.WriteLineAsync($"Configuration error: --config file '{config.FullName}' does not exist.");
            return 2;
        }

        IHost host;
        try
        {
            host = BuildHost(config, new EnvironmentVariablesConfigurationSource { Prefix = EnvironmentPrefix });
        }
        catch (InvalidDataException e)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {config!.Name} is not valid JSON: {e.InnerException?.Message ?? e.Message}");
            return 2;
        }

        using var _ = host;
        var problems = StreamHealServices.ValidateConfiguration(host.Services);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await Console.Error.WriteLineAsync($"Configuration error {problem}");
            }

            return 2;
        }

        await host.RunAsync(cancellationToken);
        return Environment.ExitCode;
    }
}
