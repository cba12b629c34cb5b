using Convey.Forwarding;
using Convey.Runtime;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Convey.Readiness;

/// <summary>Degraded while every server of a live pool is down (its clients are refused); each such pool is a reason.</summary>
internal sealed class PoolsHealthyCheck(ConveyRuntime runtime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reasons = new List<string>();
        foreach (var pool in runtime.Current.Pools.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var servers = pool.Servers.Where(s => !s.IsDraining).ToList();
            if (servers.Count == 0)
            {
                reasons.Add($"pool {pool.Name} has no server");
            }
            else if (servers.All(s => s.Health == ServerHealth.Down))
            {
                // A pending server is not counted against the pool: its first probe is under way.
                reasons.Add($"pool {pool.Name} has no healthy server (all {servers.Count} down)");
            }
        }

        return Task.FromResult(reasons.Count == 0
            ? HealthCheckResult.Healthy("every pool has a healthy server")
            : HealthCheckResult.Degraded(string.Join("; ", reasons)));
    }
}
