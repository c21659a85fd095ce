using Microsoft.Extensions.Configuration;

namespace StreamHeal.Host.Commands;

/// <summary>The settings a read-only verb uses, layered as <c>run</c> layers them: appsettings.json, --config, STREAMHEAL__ variables.</summary>
internal static class CommandSettings
{
    /// <summary>Null (after saying why on standard error) when <paramref name="config"/> names a missing file.</summary>
    public static async Task<IConfiguration?> LoadAsync(FileInfo? config)
    {
        if (config is { Exists: false })
        {
            await Console.Error.WriteLineAsync($"--config file '{config.FullName}' does not exist.");
            return null;
        }

        var builder = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath("appsettings.json"), optional: true);
        if (config is not null)
        {
            builder.AddJsonFile(config.FullName, optional: false);
        }

        return builder.AddEnvironmentVariables("STREAMHEAL__").Build();
    }
}
