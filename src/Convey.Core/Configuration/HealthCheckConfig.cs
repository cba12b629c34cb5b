namespace Convey.Configuration;

/// <summary>Active health checks of a pool's servers.</summary>
public sealed record HealthCheckConfig
{
    /// <summary>Default for <see cref="Interval"/> (also used when the seed's <c>health_check_interval</c> is 0).</summary>
    internal static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>Default for <see cref="Timeout"/>.</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Time between two probes of a server (<c>health_check_interval</c>, seconds).</summary>
    public TimeSpan Interval { get; init; } = DefaultInterval;

    /// <summary>Time a probe may take before it counts as a failure (<c>health_check_timeout</c>, seconds).</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Consecutive successes that bring a down server back (<c>rise</c>).</summary>
    public int Rise { get; init; } = 2;

    /// <summary>Consecutive failures that take an up server out (<c>fall</c>).</summary>
    public int Fall { get; init; } = 3;

    /// <summary>
    /// How servers are probed (<c>health_check</c>); null chooses: <see cref="HealthCheckKind.None"/> for a pool that
    /// only UDP frontends use, else <see cref="HealthCheckKind.Tcp"/>.
    /// </summary>
    public HealthCheckKind? Kind { get; init; }

    /// <summary>The port probes go to (<c>health_check_port</c>); 0 means each server's own port.</summary>
    public int Port { get; init; }

    /// <summary>
    /// What a <see cref="HealthCheckKind.Udp"/> probe sends (<c>health_check_send</c>): text sent as UTF-8, or
    /// <c>hex:</c> followed by the bytes in hexadecimal; empty sends an empty datagram.
    /// </summary>
    public string Send { get; init; } = "";

    /// <summary>
    /// What the reply to a <see cref="HealthCheckKind.Udp"/> probe must start with (<c>health_check_expect</c>), written
    /// like <see cref="Send"/>; empty accepts any reply.
    /// </summary>
    public string Expect { get; init; } = "";
}
