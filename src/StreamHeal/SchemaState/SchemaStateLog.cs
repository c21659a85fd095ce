using Microsoft.Extensions.Logging;

namespace StreamHeal.SchemaState;

/// <summary>The schema state's log messages; event ids 1300-1399, apart from the pipeline's in Telemetry/Log.</summary>
internal static partial class SchemaStateLog
{
    [LoggerMessage(1300, LogLevel.Information, "Table {Table}: registered {Added} new columns under subject {Subject}")]
    public static partial void Registered(ILogger logger, string table, string subject, int added);

    [LoggerMessage(1301, LogLevel.Warning, "Table {Table}: registration attempt {Attempt} was refused ({Reason}); re-reading the registry")]
    public static partial void RegisterConflict(ILogger logger, string table, int attempt, string reason);

    [LoggerMessage(1302, LogLevel.Error, "Schema Registry unreachable: {Reason}. DEGRADED: ingesting with the last known schema; new fields go to _quarantine (registry_unavailable)")]
    public static partial void Degraded(ILogger logger, string reason);

    [LoggerMessage(1303, LogLevel.Information, "Schema Registry reachable again; leaving degraded mode")]
    public static partial void Recovered(ILogger logger);
}
