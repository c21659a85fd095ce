using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHeal.Alerting;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>streamheal alerts test</c>: sends one test incident through every configured channel (with the channels' own
/// retries, not throttled) and prints which delivered. Exit 0 when all did, 1 when any did not, 2 for configuration
/// errors or no channel. Channel URLs are never printed: they may carry tokens.
/// </summary>
internal static class AlertsCommand
{
    public static Command Create()
    {
        var severity = new Option<string>("--severity") { Description = "Severity of the test incident: low, medium, high or critical.", DefaultValueFactory = static _ => "low" };
        var config = new Option<FileInfo?>("--config") { Description = "The settings file `run` uses (its alerts section)." };
        var test = new Command("test", "Send one test incident through every channel in alerts.channels and say which delivered.") { severity, config };
        test.SetAction((parse, ct) => TestAsync(parse.GetValue(severity)!, parse.GetValue(config), ct));
        return new Command("alerts", "Alerting: check the configured channels.") { test };
    }

    private static async Task<int> TestAsync(string severityText, FileInfo? config, CancellationToken cancellationToken)
    {
        if (!AlertSeverities.TryParse(severityText, out var severity))
        {
            await Console.Error.WriteLineAsync($"--severity '{severityText}' is not one of low, medium, high, critical.");
            return 2;
        }

        if (await CommandSettings.LoadAsync(config) is not { } settings)
        {
            return 2;
        }

        AlertOptions options;
        try
        {
            options = settings.GetSection(AlertOptions.SectionName).Get<AlertOptions>() ?? new AlertOptions();
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"Configuration error [alerts] {e.Message}");
            return 2;
        }

        var problems = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), problems, validateAllProperties: true))
        {
            foreach (var problem in problems)
            {
                await Console.Error.WriteLineAsync($"Configuration error [alerts] {problem.ErrorMessage}");
            }

            return 2;
        }

        if (options.Channels.Count == 0)
        {
            await Console.Error.WriteLineAsync("alerts.channels is empty: there is no channel to test.");
            return 2;
        }

        // The test incident is sent straight to each channel: the throttle would hold back a second test within its cooldown.
        options.Redis = null;
        await using var alerts = await AlertService.StartAsync(options, settings["kafka:groupId"] ?? "streamheal", TimeProvider.System, NullLoggerFactory.Instance);
        var incident = IncidentCatalog.TestIncident(severity, TimeProvider.System.GetUtcNow());
        var results = await Task.WhenAll(alerts.Senders.Select(async sender =>
            (sender.Channel.Name, Accepts: sender.Channel.Accepts(incident),
             Delivered: sender.Channel.Accepts(incident) && await sender.DeliverAsync(new Notification(incident, 0, null), cancellationToken))));
        foreach (var (name, accepts, delivered) in results)
        {
            Console.WriteLine(!accepts ? $"{name}: skipped (minSeverity above {AlertSeverities.Name(severity)})" : delivered ? $"{name}: delivered" : $"{name}: NOT delivered");
        }

        return results.All(static r => !r.Accepts || r.Delivered) ? 0 : 1;
    }
}
