using Microsoft.Extensions.Logging;

namespace StreamHeal.Watchdog;

/// <summary>The lag monitor's and the stall watchdog's log messages (event ids 1950–1969).</summary>
internal static partial class WatchdogLog
{
    [LoggerMessage(1950, LogLevel.Information, "Watchdog: lag read every {LagInterval}; stall after {StallAfter} without committed progress; at most {MaxRestarts} restarts per {RestartWindow}; recoveries {Recoveries}")]
    public static partial void Started(ILogger logger, TimeSpan lagInterval, TimeSpan stallAfter, int maxRestarts, TimeSpan restartWindow, string recoveries);

    [LoggerMessage(1951, LogLevel.Warning, "Partition {Partition} stalled: lag {Lag}, {How} for {Seconds:0} s and no known outage; recovery: {Action}. Records: {Where}")]
    public static partial void Stalled(ILogger logger, string partition, long lag, string how, double seconds, string action, string where);

    [LoggerMessage(1952, LogLevel.Warning, "Watchdog: recreating the Kafka consumer (leave the group, join again with a new one)")]
    public static partial void RecreatingConsumer(ILogger logger);

    [LoggerMessage(1953, LogLevel.Warning, "Watchdog: restarting the pipeline in-process ({Restart} of at most {MaxRestarts} within {Window}); the new graph resumes from the committed offsets")]
    public static partial void RestartingPipeline(ILogger logger, int restart, int maxRestarts, TimeSpan window);

    [LoggerMessage(1954, LogLevel.Critical, "Watchdog gives up: still stalled after {Restarts} restarts within {Window} (watchdog.maxRestarts); /health/live answers 503 so the orchestrator restarts the process. Records: {Where}")]
    public static partial void GaveUp(ILogger logger, int restarts, TimeSpan window, string where);

    [LoggerMessage(1955, LogLevel.Information, "Watchdog: no stall for {Seconds:0} s after the last recovery step; healed ({How})")]
    public static partial void Healed(ILogger logger, double seconds, string how);

    [LoggerMessage(1956, LogLevel.Warning, "Watchdog: the Kafka consumer could not be recreated (no poll loop running); the next stall restarts the pipeline")]
    public static partial void NothingToRecreate(ILogger logger);

    [LoggerMessage(1958, LogLevel.Error, "Watchdog: a lag check failed ({Reason}); the next one runs as planned")]
    public static partial void CheckFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(1957, LogLevel.Debug, "Lag monitor: the brokers' high watermarks could not be read ({Reason}); using the consumer's cached ones")]
    public static partial void WatermarksUnavailable(ILogger logger, string reason);
}
