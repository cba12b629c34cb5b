using System.Collections.Immutable;

namespace Convey.Configuration;

/// <summary>A backend pool (<c>[backends.NAME]</c>): servers, their health checks and the balancing policy.</summary>
public sealed record BackendPoolConfig
{
    /// <summary>Default for <see cref="Retries"/>.</summary>
    internal const int DefaultRetries = 3;

    /// <summary>Default for <see cref="ResolveInterval"/>.</summary>
    internal static readonly TimeSpan DefaultResolveInterval = TimeSpan.FromSeconds(30);

    /// <summary>The pool's name (the TOML table key).</summary>
    public required string Name { get; init; }

    /// <summary>The servers (<c>[backends.NAME.servers.SERVER]</c>).</summary>
    public ImmutableArray<ServerConfig> Servers { get; init; } = [];

    /// <summary>Active health-check settings.</summary>
    public HealthCheckConfig HealthCheck { get; init; } = new();

    /// <summary>Balancing policy name (<c>balance</c>); null picks the default for the frontend's mode.</summary>
    public string? Balance { get; init; }

    /// <summary>How many other servers a proxied connection tries after a connect failure (<c>retries</c>).</summary>
    public int Retries { get; init; } = DefaultRetries;

    /// <summary>How often the host names of servers given by name are resolved again (<c>resolve_interval</c>).</summary>
    public TimeSpan ResolveInterval { get; init; } = DefaultResolveInterval;

    /// <summary>The pool's other keys, read by the engines that serve its frontends (for example <c>send_proxy</c>).</summary>
    public ConfigSettings Settings { get; init; } = ConfigSettings.Empty;

    /// <inheritdoc/>
    public bool Equals(BackendPoolConfig? other) =>
        other is not null
        && Name == other.Name
        && Servers.SequenceEqual(other.Servers)
        && HealthCheck == other.HealthCheck
        && Balance == other.Balance
        && Retries == other.Retries
        && ResolveInterval == other.ResolveInterval
        && Settings.Equals(other.Settings);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Servers.Length, Balance, Settings);
}
