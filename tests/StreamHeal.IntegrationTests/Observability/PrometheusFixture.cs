using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Observability;

/// <summary>
/// One Prometheus for the observability tests: it scrapes itself every second (so it holds data without any other
/// process) and loads the shipped alert rules.
/// </summary>
public sealed class PrometheusFixture : IAsyncLifetime
{
    public static readonly string AlertRules = RepositoryRoot.Combine("deploy", "prometheus", "alerts.yml");

    public PrometheusServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PrometheusServer.StartAsync(new PrometheusServerOptions { ScrapeItself = true, RuleFiles = [AlertRules] });
        await Server.WaitForSeriesAsync($"up{{job=\"{PrometheusServer.SelfJob}\"}} == 1", TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
