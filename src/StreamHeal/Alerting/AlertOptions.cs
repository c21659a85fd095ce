using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Alerting;

public enum AlertChannelType
{
    Alertmanager,
    Slack,
    Webhook,
}

/// <summary>One place notifications go. The URL may carry a token: it is never logged, only <see cref="DisplayName"/>.</summary>
public sealed class AlertChannelOptions
{
    /// <summary><c>alertmanager</c> (its base URL; alerts go to <c>/api/v2/alerts</c>), <c>slack</c> (an incoming webhook) or <c>webhook</c> (the incident as JSON).</summary>
    public AlertChannelType Type { get; set; }

    public string Url { get; set; } = "";

    /// <summary>Incidents below this severity are not sent here. Default <c>low</c> (everything).</summary>
    public AlertSeverity MinSeverity { get; set; } = AlertSeverity.Low;

    /// <summary>Name in logs and metrics; default the type and the channel's position, e.g. <c>slack#1</c>.</summary>
    public string? Name { get; set; }

    internal string DisplayName(int index) => string.IsNullOrWhiteSpace(Name)
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Type.ToString().ToLowerInvariant()}#{index}")
        : Name;
}

/// <summary>Cooldown per severity: a key notified once is held back for this long. Defaults are the seed system's.</summary>
public sealed class AlertCooldowns
{
    public TimeSpan Critical { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan High { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan Medium { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan Low { get; set; } = TimeSpan.FromMinutes(20);

    public TimeSpan For(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => Critical,
        AlertSeverity.High => High,
        AlertSeverity.Medium => Medium,
        _ => Low,
    };
}

/// <summary>Alerting. Bound from the <c>alerts</c> section; without channels nothing is sent.</summary>
public sealed class AlertOptions : IValidatableObject
{
    public const string SectionName = "alerts";

    /// <summary>The most a Redis connect or command may take before the in-process throttle is used instead.</summary>
    public static readonly TimeSpan MaxRedisTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>A StackExchange.Redis configuration string (<c>host:port,password=...</c>); absent = in-process throttling only.</summary>
    public string? Redis { get; set; }

    public List<AlertChannelOptions> Channels { get; set; } = [];

    public AlertCooldowns Cooldowns { get; set; } = new();

    /// <summary>Lag (messages, per topic) above which <c>lag_high</c> is raised as high. Default 5,000.</summary>
    [Range(1, long.MaxValue)]
    public long LagWarning { get; set; } = 5_000;

    /// <summary>Lag above which <c>lag_high</c> is critical. Default 10,000.</summary>
    [Range(1, long.MaxValue)]
    public long LagCritical { get; set; } = 10_000;

    /// <summary>Dead letters in one minute above which <c>dead_letter_surge</c> is raised. Default 100.</summary>
    [Range(1, long.MaxValue)]
    public long DeadLettersPerMinute { get; set; } = 100;

    /// <summary>How long the sink must stay unavailable before <c>sink_unavailable</c> is raised. Default 60 s.</summary>
    public TimeSpan OutageAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Redis connect and command timeout; at most 250 ms so a slow Redis never delays alerts. Default 250 ms.</summary>
    public TimeSpan RedisTimeout { get; set; } = MaxRedisTimeout;

    /// <summary>Incidents waiting to be throttled and sent; past it new ones are dropped and counted. Default 1,024.</summary>
    [Range(16, 1_000_000)]
    public int QueueCapacity { get; set; } = 1_024;

    /// <summary>Written as the Redis value of a throttle key (which replica notified). Default host name and process id.</summary>
    public string? Instance { get; set; }

    public string InstanceName => string.IsNullOrWhiteSpace(Instance) ? $"{Environment.MachineName}:{Environment.ProcessId}" : Instance;

    private static bool IsRedisConfiguration(string configuration, out string problem)
    {
        try
        {
            var endpoints = StackExchange.Redis.ConfigurationOptions.Parse(configuration).EndPoints;
            problem = endpoints.Count == 0 ? "it names no host" : "";
            return endpoints.Count > 0;
        }
        catch (ArgumentException e)
        {
            problem = e.Message.Split(';', 2)[0];
            return false;
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LagCritical < LagWarning)
        {
            yield return new ValidationResult($"alerts.lagCritical ({LagCritical}) is below alerts.lagWarning ({LagWarning}); raise lagCritical or lower lagWarning.", [nameof(LagCritical)]);
        }

        if (RedisTimeout <= TimeSpan.Zero || RedisTimeout > MaxRedisTimeout)
        {
            yield return new ValidationResult($"alerts.redisTimeout is {RedisTimeout}; it must be above 0 and at most 00:00:00.250 so a slow Redis never holds alerts back.", [nameof(RedisTimeout)]);
        }

        if (!string.IsNullOrWhiteSpace(Redis) && !IsRedisConfiguration(Redis, out var problem))
        {
            // The string itself is not echoed: it may hold a password.
            yield return new ValidationResult($"alerts.redis is not a StackExchange.Redis configuration string (host:port[,option=value...]): {problem}", [nameof(Redis)]);
        }

        if (OutageAfter <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"alerts.outageAfter is {OutageAfter}; it must be positive (default 00:01:00).", [nameof(OutageAfter)]);
        }

        foreach (var (name, cooldown) in new[] { ("critical", Cooldowns.Critical), ("high", Cooldowns.High), ("medium", Cooldowns.Medium), ("low", Cooldowns.Low) })
        {
            if (cooldown < TimeSpan.FromMilliseconds(1))
            {
                yield return new ValidationResult($"alerts.cooldowns.{name} is {cooldown}; it must be at least 1 ms (Redis PX).", [nameof(Cooldowns)]);
            }
        }

        for (var i = 0; i < Channels.Count; i++)
        {
            var channel = Channels[i];
            if (!Enum.IsDefined(channel.Type))
            {
                yield return new ValidationResult($"alerts.channels[{i}].type must be alertmanager, slack or webhook.", [nameof(Channels)]);
            }

            // The URL itself is not echoed: it may hold a token.
            if (!Uri.TryCreate(channel.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                yield return new ValidationResult($"alerts.channels[{i}].url must be an absolute http or https URL.", [nameof(Channels)]);
            }

            if (!Enum.IsDefined(channel.MinSeverity))
            {
                yield return new ValidationResult($"alerts.channels[{i}].minSeverity must be low, medium, high or critical.", [nameof(Channels)]);
            }
        }
    }
}
