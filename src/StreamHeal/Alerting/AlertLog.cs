using Microsoft.Extensions.Logging;

namespace StreamHeal.Alerting;

/// <summary>Alerting's log messages (event ids 1900–1919). Channel names only: URLs may carry tokens.</summary>
internal static partial class AlertLog
{
    [LoggerMessage(1900, LogLevel.Information, "Alerts: {Channels} channel(s) ({Names}); throttling {Throttle}")]
    public static partial void Started(ILogger logger, int channels, string names, string throttle);

    [LoggerMessage(1901, LogLevel.Warning, "Alerts: Redis is unavailable ({Reason}); throttling in-process until it answers again (alerts from other replicas may repeat)")]
    public static partial void RedisDegraded(ILogger logger, string reason);

    [LoggerMessage(1902, LogLevel.Information, "Alerts: Redis answers again; throttling is shared by every replica")]
    public static partial void RedisRecovered(ILogger logger);

    [LoggerMessage(1903, LogLevel.Warning, "Alert to {Channel} failed (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    public static partial void SendRetry(ILogger logger, string channel, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(1904, LogLevel.Error, "Alert {Key} to {Channel} not delivered after {Attempts} attempts: {Reason}")]
    public static partial void SendGaveUp(ILogger logger, string channel, string key, int attempts, string reason);

    [LoggerMessage(1905, LogLevel.Information, "Incident {Key} ({Severity}): {Summary}")]
    public static partial void Raised(ILogger logger, string key, string severity, string summary);

    [LoggerMessage(1906, LogLevel.Error, "Alert throttling failed for {Key}: {Reason}")]
    public static partial void ThrottleFailed(ILogger logger, string key, string reason, Exception exception);
}
