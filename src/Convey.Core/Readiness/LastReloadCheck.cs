using Convey.Runtime;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Convey.Readiness;

/// <summary>Degraded while the last reload was refused or only partially applied: the configuration in force is not the one on file.</summary>
internal sealed class LastReloadCheck(ConveyService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reload = service.LastReload;
        return Task.FromResult(reload switch
        {
            null => HealthCheckResult.Healthy("no reload since start"),
            { Result: ReloadResult.Applied } => HealthCheckResult.Healthy($"last reload applied at {reload.Time:O}"),
            { Result: ReloadResult.PartiallyApplied } => HealthCheckResult.Degraded($"last reload from {reload.Source} at {reload.Time:O} was partially applied: {reload.Error}"),
            _ => HealthCheckResult.Degraded($"last reload from {reload.Source} at {reload.Time:O} was refused: {reload.Error}"),
        });
    }
}
