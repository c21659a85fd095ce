using Microsoft.Extensions.Diagnostics.HealthChecks;
using StreamHeal.Pipeline;

namespace StreamHeal.Hosting;

/// <summary>
/// One probe: takes a status snapshot, applies <paramref name="whyNot"/> (a <see cref="HealthRules"/> rule) and keeps
/// the snapshot in the result, so the body a probe returns is the status its answer was decided on.
/// </summary>
internal sealed class PipelineHealthCheck(Func<PipelineStatus> status, Func<PipelineStatus, string?> whyNot) : IHealthCheck
{
    public const string StatusKey = "status";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = status();
        var data = new Dictionary<string, object>(1) { [StatusKey] = snapshot };
        return Task.FromResult(whyNot(snapshot) is { } problem
            ? HealthCheckResult.Unhealthy(problem, data: data)
            : HealthCheckResult.Healthy(data: data));
    }
}
