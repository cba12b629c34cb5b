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
}
