using System.Net;
using Convey.Health;

namespace Convey.Proxy.Tests.Support;

/// <summary>
/// A probe that reports every server up without connecting, so the tests' servers only see the connections
/// the proxy makes (the default TCP probe would add its own). Passive health still acts on connect failures.
/// </summary>
internal sealed class HealthyProbe : IHealthProbe
{
    public ValueTask<HealthProbeResult> ProbeAsync(IPEndPoint address, CancellationToken cancellationToken) =>
        ValueTask.FromResult(HealthProbeResult.Healthy);
}
