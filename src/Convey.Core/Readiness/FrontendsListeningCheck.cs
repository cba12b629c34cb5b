using Convey.Forwarding;
using Convey.Runtime;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Convey.Readiness;

/// <summary>Ready once a configuration is applied and every live frontend listens; each one that does not is a reason.</summary>
internal sealed class FrontendsListeningCheck(ConveyRuntime runtime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var current = runtime.Current;
        if (ReferenceEquals(current, RuntimeSnapshot.Empty))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("no configuration is applied yet"));
        }

        var reasons = new List<string>();
        foreach (var frontend in current.Frontends.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (!frontend.IsListening)
            {
                reasons.Add($"frontend {frontend.Name} ({frontend.Config.ListenEndPoint}) is not listening: {frontend.ListenError ?? "its engine has not bound it yet"}");
            }
        }

        return Task.FromResult(reasons.Count == 0
            ? HealthCheckResult.Healthy($"{current.Frontends.Count} frontend(s) listening")
            : HealthCheckResult.Unhealthy(string.Join("; ", reasons)));
    }
}
