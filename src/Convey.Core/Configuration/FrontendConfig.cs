using System.Net;
using Convey.Forwarding;

namespace Convey.Configuration;

/// <summary>A listener (<c>[frontends.NAME]</c>): an address and port that hands its flows to one backend pool.</summary>
public sealed record FrontendConfig
{
    /// <summary>Default for <see cref="ConnectTimeout"/>.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Default for <see cref="IdleTimeout"/>.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Default for <see cref="DrainTimeout"/>.</summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The frontend's name (the TOML table key).</summary>
    public required string Name { get; init; }

    /// <summary>Address and port to listen on (<c>listen_addr</c>), IPv4 or IPv6.</summary>
    public required IPEndPoint ListenEndPoint { get; init; }

    /// <summary>Name of the backend pool that serves this frontend (<c>backend</c>).</summary>
    public required string Backend { get; init; }

    /// <summary>Forwarding mode (<c>mode</c>); null means the host's default mode.</summary>
    public ForwardingMode? Mode { get; init; }

    /// <summary>How DSR frontends reach servers (<c>dsr_method</c>).</summary>
    public DsrMethod DsrMethod { get; init; } = DsrMethod.L3;

    /// <summary>Time allowed to connect to a server before trying another (<c>connect_timeout</c>).</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>A connection with no traffic either way for this long is closed (<c>idle_timeout</c>).</summary>
    public TimeSpan IdleTimeout { get; init; } = DefaultIdleTimeout;

    /// <summary>Most concurrent client connections; 0 means no limit (<c>max_connections</c>).</summary>
    public int MaxConnections { get; init; }

    /// <summary>How long established flows may finish after the frontend is removed or the host stops (<c>drain_timeout</c>).</summary>
    public TimeSpan DrainTimeout { get; init; } = DefaultDrainTimeout;

    /// <summary>Whether the packet engine installs its own nftables rules (<c>manage_firewall</c>); ignored in proxy mode.</summary>
    public bool ManageFirewall { get; init; } = true;

    /// <summary>
    /// Whether the proxy listener sets <c>SO_REUSEPORT</c> (<c>reuse_port</c>), so several processes (other
    /// Convey instances) may listen on the same address and the kernel spreads connections among them. Off by
    /// default: a second process on a taken address then fails to bind instead of silently sharing its traffic.
    /// Ignored by the packet engine.
    /// </summary>
    public bool ReusePort { get; init; }
}
