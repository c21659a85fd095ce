using Microsoft.Extensions.Logging;

namespace StreamHeal.SchemaState;

internal static partial class SchemaStateLog
{
    [LoggerMessage(1200, LogLevel.Information, "Table {Table}: registered {Added} new columns under subject {Subject}")]
    public static partial void Registered(ILogger logger, string table, string subject, int added);

    [LoggerMessage(1201, LogLevel.Warning, "Table {Table}: registration attempt {Attempt} was refused ({Reason}); re-reading the registry")]
    public static partial void RegisterConflict(ILogger logger, string table, int attempt, string reason);

    [LoggerMessage(1202, LogLevel.Error, "Schema Registry unreachable: {Reason}. DEGRADED: ingesting with the last known schema; new fields go to _quarantine (registry_unavailable)")]
    public static partial void Degraded(ILogger logger, string reason);

    [LoggerMessage(1203, LogLevel.Information, "Schema Registry reachable again; leaving degraded mode")]
    public static partial void Recovered(ILogger logger);
}
