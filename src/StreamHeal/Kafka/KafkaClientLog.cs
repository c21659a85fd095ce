using System.Text.RegularExpressions;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace StreamHeal.Kafka;

/// <summary>
/// Routes librdkafka's log and error callbacks to <see cref="ILogger"/>: one line per callback with the client's role,
/// librdkafka's facility and its syslog level mapped to a <see cref="LogLevel"/>. Secrets never get through: the value
/// of any password, secret, private-key or JAAS/OAuth config setting named in a line, and any PEM private key, is
/// replaced by <c>[redacted]</c>. Called on librdkafka's threads; thread-safe.
/// </summary>
public static partial class KafkaClientLog
{
    private const string Redacted = "[redacted]";

    /// <param name="client">The client's role, e.g. <c>dlq-producer</c>, <c>consumer</c>.</param>
    public static void Log(ILogger logger, string client, LogMessage message)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(message);
        var level = LevelOf(message.Level);
        if (logger.IsEnabled(level))
        {
            ClientLog(logger, level, client, message.Facility, Redact(message.Message));
        }
    }

    /// <summary>A fatal error (the client cannot be used any more) at error level; others are warnings: librdkafka retries them.</summary>
    public static void Error(ILogger logger, string client, Error error)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(error);
        ClientError(logger, error.IsFatal ? LogLevel.Error : LogLevel.Warning, client, error.Code, error.IsFatal ? " (fatal)" : "", Redact(error.Reason ?? ""));
    }

    /// <summary>syslog 0-2 (emergency, alert, critical) → Critical, 3 → Error, 4 → Warning, 5-6 (notice, info) → Information, 7 → Debug.</summary>
    public static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    /// <summary>The line with every secret value replaced by <c>[redacted]</c>.</summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // PEM first: a key's text has spaces, so the setting rule below would only take its first word.
        var withoutKeys = PrivateKeyPem().Replace(text, Redacted);
        return SecretSetting().Replace(withoutKeys, static m => m.Groups["name"].Value + m.Groups["separator"].Value + Redacted);
    }

    // A setting whose name says it holds a secret, then = or :, then its value (quoted, or up to a space, comma or ';').
    [GeneratedRegex(
        """(?<name>[A-Za-z0-9_.\-]*(?:password|secret|private\.key|key\.pem|jaas\.config|oauthbearer\.config)[A-Za-z0-9_.\-]*)(?<separator>\s*[=:]\s*)(?<value>"[^"]*"?|'[^']*'?|[^\s,;]+)""",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretSetting();

    // An unterminated key (a line cut short) is redacted to the end of the line.
    [GeneratedRegex("-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKeyPem();

    [LoggerMessage(EventId = 1650, Message = "librdkafka {Client} {Facility}: {Message}")]
    private static partial void ClientLog(ILogger logger, LogLevel level, string client, string facility, string message);

    [LoggerMessage(EventId = 1651, Message = "Kafka {Client} error {Code}{Fatal}: {Reason}")]
    private static partial void ClientError(ILogger logger, LogLevel level, string client, ErrorCode code, string fatal, string reason);
}
