using System.Net;

namespace Convey.Configuration;

/// <summary>A listener (<c>[frontends.NAME]</c>): an address and port that hands its flows to one backend pool.</summary>
public sealed record FrontendConfig
{
    /// <summary>Default for <see cref="ConnectTimeout"/>.</summary>
    internal static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Default for <see cref="IdleTimeout"/>.</summary>
    internal static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Default for <see cref="IdleTimeout"/> of a UDP frontend: a session without a datagram either way for this long ends.</summary>
    internal static readonly TimeSpan DefaultUdpIdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default for <see cref="DrainTimeout"/>.</summary>
    internal static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    private readonly TimeSpan? _idleTimeout;

    /// <summary>The frontend's name (the TOML table key).</summary>
    public required string Name { get; init; }

    /// <summary>Address and port to listen on (<c>listen_addr</c>), IPv4 or IPv6.</summary>
    public required IPEndPoint ListenEndPoint { get; init; }

    /// <summary>Name of the pool that serves this frontend (<c>backend</c>, the name of a <c>[backends.NAME]</c> table).</summary>
    public required string Pool { get; init; }

    /// <summary>
    /// Forwarding mode (<c>mode</c>): a name a registered engine serves, <c>proxy</c>, <c>passthrough</c> or <c>dsr</c>
    /// with <c>AddConvey()</c>; null means the host's default mode.
    /// </summary>
    public string? Mode { get; init; }

    /// <summary>Time allowed to connect to a server before trying another (<c>connect_timeout</c>).</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>The transport protocol it serves (<c>protocol</c>): TCP by default, or UDP (proxy mode).</summary>
    public FrontendProtocol Protocol { get; init; } = FrontendProtocol.Tcp;

    /// <summary>
    /// A connection (or a UDP session) with no traffic either way for this long is closed (<c>idle_timeout</c>);
    /// by default 5 minutes for TCP and 30 seconds for UDP.
    /// </summary>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout ?? (Protocol == FrontendProtocol.Udp ? DefaultUdpIdleTimeout : DefaultIdleTimeout);
        init => _idleTimeout = value;
    }

    /// <summary>Most concurrent client connections; 0 means no limit (<c>max_connections</c>).</summary>
    public int MaxConnections { get; init; }

    /// <summary>How long established flows may finish after the frontend is removed or the host stops (<c>drain_timeout</c>).</summary>
    public TimeSpan DrainTimeout { get; init; } = DefaultDrainTimeout;

    /// <summary>The frontend's other keys, read by the engine that serves its mode (for example <c>dsr_method</c>, <c>reuse_port</c>).</summary>
    public ConfigSettings Settings { get; init; } = ConfigSettings.Empty;
}
