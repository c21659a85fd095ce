using Microsoft.Extensions.Hosting;

namespace StreamHeal.Hosting;

/// <summary>
/// Replaces the console lifetime of a server embedded in a service, command or test (the health endpoint, the dev
/// registry, the dev BigQuery), which would otherwise stop it on SIGINT/SIGTERM behind its owner's back.
/// </summary>
internal sealed class OwnerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
