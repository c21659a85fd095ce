using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using StreamHeal.Alerting;
using Xunit;

namespace StreamHeal.Tests.Alerting;

public sealed class AlertOptionsTests
{
    private static List<string> Problems(AlertOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(static r => r.ErrorMessage!).ToList();
    }

    [Fact]
    public void The_defaults_are_the_issue_figures_and_valid()
    {
        var options = new AlertOptions();
        Assert.Empty(Problems(options));
        Assert.Null(options.Redis);
        Assert.Empty(options.Channels);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Cooldowns.Critical);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Cooldowns.High);
        Assert.Equal(TimeSpan.FromMinutes(10), options.Cooldowns.Medium);
        Assert.Equal(TimeSpan.FromMinutes(20), options.Cooldowns.Low);
        Assert.Equal(5_000, options.LagWarning);
        Assert.Equal(10_000, options.LagCritical);
        Assert.Equal(100, options.DeadLettersPerMinute);
        Assert.Equal(TimeSpan.FromSeconds(60), options.OutageAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.RedisTimeout);
    }

    [Fact]
    public void Channels_bind_from_configuration_with_case_insensitive_types_and_severities()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["alerts:redis"] = "127.0.0.1:6379",
            ["alerts:channels:0:type"] = "alertmanager",
            ["alerts:channels:0:url"] = "http://127.0.0.1:9093",
            ["alerts:channels:1:type"] = "Slack",
            ["alerts:channels:1:url"] = "https://hooks.example/T/B/secret",
            ["alerts:channels:1:minSeverity"] = "high",
            ["alerts:cooldowns:critical"] = "00:00:30",
        }).Build();

        var options = configuration.GetSection(AlertOptions.SectionName).Get<AlertOptions>()!;

        Assert.Empty(Problems(options));
        Assert.Equal([AlertChannelType.Alertmanager, AlertChannelType.Slack], options.Channels.Select(static c => c.Type));
        Assert.Equal(AlertSeverity.Low, options.Channels[0].MinSeverity);
        Assert.Equal(AlertSeverity.High, options.Channels[1].MinSeverity);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Cooldowns.Critical);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Cooldowns.High);
    }

    [Fact]
    public void Every_problem_is_named_and_a_channel_url_is_never_echoed()
    {
        var options = new AlertOptions
        {
            LagWarning = 20_000,
            Redis = "password=hunter2",
            RedisTimeout = TimeSpan.FromSeconds(1),
            Cooldowns = new AlertCooldowns { Low = TimeSpan.Zero },
            Channels = [new AlertChannelOptions { Type = AlertChannelType.Slack, Url = "ftp://hooks.example/secret-token" }],
        };

        var problems = Problems(options);

        Assert.Contains(problems, static p => p.Contains("alerts.lagCritical", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.Contains("alerts.redisTimeout", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.Contains("alerts.cooldowns.low", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.Contains("alerts.channels[0].url", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.Contains("alerts.redis", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, static p => p.Contains("secret-token", StringComparison.Ordinal) || p.Contains("hunter2", StringComparison.Ordinal));
    }
}
