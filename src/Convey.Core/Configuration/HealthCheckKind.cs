namespace Convey.Configuration;

/// <summary>How a pool's servers are probed (<c>health_check</c>).</summary>
public enum HealthCheckKind
{
    /// <summary>No active probe (<c>"none"</c>): servers are up; only connect failures an engine reports take one out, for <c>rise</c> intervals.</summary>
    None,

    /// <summary>A TCP connection opens (<c>"tcp"</c>), the default; the probe registered with <c>AddHealthProbe</c> when there is one.</summary>
    Tcp,

    /// <summary>A UDP request gets a reply (<c>"udp"</c>): <see cref="HealthCheckConfig.Send"/> out, a datagram starting with <see cref="HealthCheckConfig.Expect"/> back.</summary>
    Udp,
}
