using System.Globalization;
using System.Text.RegularExpressions;
using StreamHeal.Hosting;
using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Observability;

/// <summary>Reading <c>/metrics</c> and README's metric table, for the tests that compare them.</summary>
public static partial class MetricsScrape
{
    /// <summary>Name → (type, when it is exported) from the table under README's "### Metrics".</summary>
    public static Dictionary<string, (string Type, string When)> ReadmeMetrics() =>
        File.ReadAllLines(RepositoryRoot.Combine("README.md"))
            .SkipWhile(l => l.Trim() != "### Metrics")
            .Skip(1)
            .TakeWhile(l => !l.StartsWith('#'))
            .Select(l => ReadmeRow().Match(l))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups["name"].Value, m => (m.Groups["type"].Value, m.Groups["when"].Value.Trim()));

    public static async Task<string> GetAsync(HealthEndpoint endpoint)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{endpoint.EndPoint.Port}") };
        using var response = await http.GetAsync(HealthEndpoint.MetricsPath);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/metrics answered {(int)response.StatusCode}: {body}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return body;
    }

    /// <summary>The sum over the samples of <paramref name="name"/> that carry every one of <paramref name="labels"/> (<c>name="value"</c>).</summary>
    public static long Sum(string scrape, string name, params string[] labels) =>
        (long)Sample().Matches(scrape)
            .Where(m => m.Groups["name"].Value == name && labels.All(label => m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal)))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    /// <summary>Every metric family of the scrape: name → type.</summary>
    public static Dictionary<string, string> Families(string scrape) =>
        TypeLine().Matches(scrape).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["type"].Value);

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>[^}]*)\} (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    [GeneratedRegex(@"^\| `(?<name>streamheal_\w+)` \| (?<type>\w+) \|.*\| (?<when>[^|]+) \|\s*$")]
    private static partial Regex ReadmeRow();
}
