using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using StreamHeal.Watchdog;
using Xunit;

namespace StreamHeal.Tests.Watchdog;

public sealed class WatchdogOptionsTests
{
    private static List<string> Problems(WatchdogOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(static r => r.ErrorMessage!).ToList();
    }

    [Fact]
    public void The_defaults_are_the_issue_figures_and_valid()
    {
        var options = new WatchdogOptions();
        Assert.Empty(Problems(options));
        Assert.True(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(10), options.LagInterval);
        Assert.Equal(TimeSpan.FromSeconds(120), options.StallAfter);
        Assert.Equal(3, options.MaxRestarts);
        Assert.Equal(TimeSpan.FromMinutes(15), options.RestartWindow);
    }

    [Fact]
    public void The_section_binds_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["watchdog:lagInterval"] = "00:00:02",
            ["watchdog:stallAfter"] = "00:00:30",
            ["watchdog:maxRestarts"] = "5",
            ["watchdog:restartWindow"] = "01:00:00",
            ["watchdog:enabled"] = "false",
        }).Build();

        var options = configuration.GetSection(WatchdogOptions.SectionName).Get<WatchdogOptions>()!;

        Assert.Empty(Problems(options));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 5, TimeSpan.FromHours(1), false), (options.LagInterval, options.StallAfter, options.MaxRestarts, options.RestartWindow, options.Enabled));
    }

    [Fact]
    public void Every_problem_names_its_key()
    {
        var problems = Problems(new WatchdogOptions
        {
            LagInterval = TimeSpan.FromMilliseconds(10),
            StallAfter = TimeSpan.Zero,
            MaxRestarts = -1,
            RestartWindow = TimeSpan.Zero,
        });

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, static p => p.StartsWith("watchdog.lagInterval", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.StartsWith("watchdog.stallAfter", StringComparison.Ordinal) && p.Contains("watchdog.lagInterval", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.StartsWith("watchdog.maxRestarts", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.StartsWith("watchdog.restartWindow", StringComparison.Ordinal));
    }
}
