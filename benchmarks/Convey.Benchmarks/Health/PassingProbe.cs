using System.Net;
using Convey.Health;

namespace Convey.Benchmarks.Health;

/// <summary>
/// A probe that always passes: the health port answers while the service port refuses, so every server that passive
/// health takes down comes back at the next round and is taken down again — the most health churn a pool can see.
/// </summary>
internal sealed class PassingProbe : IHealthProbe
{
    public ValueTask<HealthProbeResult> ProbeAsync(IPEndPoint address, CancellationToken cancellationToken) =>
        ValueTask.FromResult(HealthProbeResult.Healthy);
}
