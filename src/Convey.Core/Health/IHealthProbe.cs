using System.Net;

namespace Convey.Health;

/// <summary>
/// Checks whether one server answers. The health monitor calls it once per server per interval and cancels
/// its token when the probe timeout passes.
/// </summary>
public interface IHealthProbe
{
    /// <summary>Probes the server at <paramref name="address"/>.</summary>
    /// <param name="address">The server's address.</param>
    /// <param name="cancellationToken">Cancelled at the probe timeout or at shutdown.</param>
    ValueTask<HealthProbeResult> ProbeAsync(IPEndPoint address, CancellationToken cancellationToken);
}
