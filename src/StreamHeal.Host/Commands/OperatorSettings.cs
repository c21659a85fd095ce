using System.CommandLine;
using Validator = System.ComponentModel.DataAnnotations.Validator;
using ValidationContext = System.ComponentModel.DataAnnotations.ValidationContext;
using Microsoft.Extensions.Configuration;
using Spectre.Console;
using StreamHeal.DeadLetter;
using StreamHeal.Kafka;
using StreamHeal.Operations;

namespace StreamHeal.Host.Commands;

/// <summary>What an operator command connects to, read from the service's own configuration and/or the command line.</summary>
internal sealed record OperatorContext(OperatorConnection Connection, KafkaOptions Kafka, DeadLetterOptions Dlq);

/// <summary>
/// The options every operator command shares (<c>--config</c>, <c>--bootstrap-servers</c>, <c>--json</c>), the usage
/// errors they report (exit 2, naming the option), and how output goes to a terminal or a pipe.
/// </summary>
internal static class OperatorSettings
{
    public const int UsageError = 2;

    /// <summary>Header values and previews stay readable (no \u0022 for quotes); the output is never embedded in HTML.</summary>
    public static readonly System.Text.Json.JsonWriterOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Option<FileInfo?> Config() => new("--config")
    {
        Description = "The service's settings file (kafka.bootstrapServers, kafka.groupId, kafka.properties for TLS/SASL, dlq.topicTemplate), read like `run` reads it.",
    };

    public static Option<string?> BootstrapServers() => new("--bootstrap-servers")
    {
        Description = "Brokers as host:port[,host:port]; overrides kafka.bootstrapServers from --config.",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print JSON (one object per line) instead of tables." };

    /// <summary>Loads the settings; on a problem writes it to stderr and returns null (the caller exits 2).</summary>
    public static async Task<OperatorContext?> LoadAsync(FileInfo? config, string? bootstrapServers)
    {
        if (config is { Exists: false })
        {
            return await FailAsync($"--config: file '{config.FullName}' does not exist.");
        }

        IConfiguration settings;
        try
        {
            var builder = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath("appsettings.json"), optional: true);
            if (config is not null)
            {
                builder.AddJsonFile(config.FullName, optional: false);
            }

            settings = builder.AddEnvironmentVariables("STREAMHEAL__").Build();
        }
        catch (InvalidDataException e)
        {
            return await FailAsync($"--config: '{config?.Name}' is not valid JSON: {e.InnerException?.Message ?? e.Message}");
        }

        var kafka = settings.GetSection(KafkaOptions.SectionName).Get<KafkaOptions>() ?? new KafkaOptions();
        var dlq = settings.GetSection(DeadLetterOptions.SectionName).Get<DeadLetterOptions>() ?? new DeadLetterOptions();
        var problems = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!Validator.TryValidateObject(dlq, new ValidationContext(dlq), problems, validateAllProperties: true))
        {
            return await FailAsync($"--config: [dlq] {string.Join("; ", problems.Select(static p => p.ErrorMessage))}");
        }

        if (!string.IsNullOrWhiteSpace(bootstrapServers))
        {
            kafka.BootstrapServers = bootstrapServers;
        }

        if (string.IsNullOrWhiteSpace(kafka.BootstrapServers))
        {
            return await FailAsync("--bootstrap-servers is required (or kafka.bootstrapServers in --config).");
        }

        return new OperatorContext(new OperatorConnection(kafka.BootstrapServers, kafka.Properties), kafka, dlq);
    }

    /// <summary>Writes a usage error to stderr; always null, for <c>return await FailAsync(...)</c>.</summary>
    public static async Task<OperatorContext?> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync(message);
        return null;
    }

    public static async Task<int> UsageAsync(string message)
    {
        await Console.Error.WriteLineAsync(message);
        return UsageError;
    }

    /// <summary>Bars and colours only on a terminal; a pipe or file gets plain, wide text.</summary>
    public static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static IAnsiConsole Out()
    {
        if (Interactive)
        {
            return AnsiConsole.Console;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        console.Profile.Width = 200;
        return console;
    }

    /// <summary>Writes one JSON value and a newline to standard output.</summary>
    public static void WriteJsonLine(Action<System.Text.Json.Utf8JsonWriter> write)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stdout, JsonOptions))
        {
            write(writer);
        }

        stdout.WriteByte((byte)'\n');
    }

    public static void WriteNumberOrNull(this System.Text.Json.Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
