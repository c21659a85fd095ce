using Microsoft.Extensions.Hosting;

namespace StreamHeal.Dev;

/// <summary>
/// Replaces the console lifetime of a fake embedded in a command or test (the dev registry, the dev BigQuery), which would
/// otherwise stop it on SIGINT/SIGTERM behind its owner's back. The library's health endpoint has its own, internal one.
/// </summary>
internal sealed class EmbeddedServerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
