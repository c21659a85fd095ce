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
        var repeat = new Option<int?>("--repeat")
        {
            Description = "Raise the test incident N times through the throttle (shared through alerts.redis when set) instead of "
                + "sending it once straight to the channels, and print the throttle's counts as JSON: checks that replicas share one cooldown.",
        };
        var test = new Command("test", "Send one test incident through every channel in alerts.channels and say which delivered.") { severity, config, repeat };
        test.SetAction((parse, ct) => TestAsync(parse.GetValue(severity)!, parse.GetValue(config), parse.GetValue(repeat), ct));
        return new Command("alerts", "Alerting: check the configured channels.") { test };
    }

    private static readonly TimeSpan RedisConnectWait = TimeSpan.FromSeconds(5);

    private static async Task<int> TestAsync(string severityText, FileInfo? config, int? repeat, CancellationToken cancellationToken)
    {
        if (repeat is < 1)
        {
            await Console.Error.WriteLineAsync($"--repeat {repeat} must be at least 1.");
            return 2;
        }

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

        if (repeat is { } times)
        {
            return await RepeatAsync(options, settings["kafka:groupId"] ?? "streamheal", severity, times, cancellationToken);
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

    /// <summary>
    /// Raises the test incident <paramref name="times"/> times through the dispatcher (throttle, then channels), waits
    /// until every one was decided and the notifications were sent, and prints the counts as one JSON object.
    /// Exit 0 when nothing was dropped and every notification was delivered, else 1.
    /// </summary>
    private static async Task<int> RepeatAsync(AlertOptions options, string group, AlertSeverity severity, int times, CancellationToken cancellationToken)
    {
        // Every raise must reach the throttle: the counts are what the caller checks.
        options.QueueCapacity = Math.Max(options.QueueCapacity, times);
        var alerts = await AlertService.StartAsync(options, group, TimeProvider.System, NullLoggerFactory.Instance);
        var incident = IncidentCatalog.TestIncident(severity, TimeProvider.System.GetUtcNow());
        var channels = alerts.Senders.Count(sender => sender.Channel.Accepts(incident));
        string throttle;
        long raised = 0;
        var firstRaise = DateTimeOffset.MinValue;
        try
        {
            if (alerts.RedisStore is { } store)
            {
                // The store connects in the background when the first attempt was slow; give it a moment, as a service would have.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(RedisConnectWait);
                while (store.Degraded && !wait.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
                }
            }

            throttle = alerts.RedisStore is null ? "in-process" : alerts.RedisStore.Degraded ? "in-process (Redis degraded)" : "redis";
            firstRaise = TimeProvider.System.GetUtcNow();
            for (var i = 0; i < times; i++)
            {
                raised += alerts.Raise(incident) ? 1 : 0;
            }
        }
        finally
        {
            // Drains the queue through the throttle and the channels before the counts are read.
            await alerts.DisposeAsync();
        }

        var throttled = TimeProvider.System.GetUtcNow();

        var metrics = alerts.Metrics;
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
        {
            raised,
            notified = raised - metrics.Suppressed,
            suppressed = metrics.Suppressed,
            dropped = metrics.Dropped,
            sent = metrics.Sent,
            sendFailures = metrics.SendFailures,
            throttle,
            // When the first raise happened and when the last one had gone through the throttle (Unix ms).
            raisedFrom = firstRaise.ToUnixTimeMilliseconds(),
            throttledBy = throttled.ToUnixTimeMilliseconds(),
        }));
        return metrics.Dropped == 0 && metrics.Sent == (raised - metrics.Suppressed) * channels ? 0 : 1;
    }
}
