using System.Net;

namespace Convey.Configuration;

/// <summary>One server of a pool (<c>[backends.POOL.servers.NAME]</c>). Its identity within the pool is its address.</summary>
public sealed record ServerConfig
{
    /// <summary>Default for <see cref="Weight"/>.</summary>
    internal const int DefaultWeight = 1;

    /// <summary>Largest accepted <see cref="Weight"/>.</summary>
    internal const int MaxWeight = 1_000_000;

    /// <summary>The server's name (the TOML table key).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// The server's address and port (<c>addr</c>): an <see cref="IPEndPoint"/>, or a <see cref="DnsEndPoint"/> for a
    /// host name, which the balancer resolves at load and every <see cref="BackendPoolConfig.ResolveInterval"/>; each
    /// address the name yields is then a server of the pool with this server's weight and connection limit.
    /// </summary>
    public required EndPoint Address { get; init; }

    /// <summary>Relative share of new flows (<c>weight</c>); 0 takes the server out of selection.</summary>
    public int Weight { get; init; } = DefaultWeight;

    /// <summary>Most concurrent proxied connections; 0 means no limit (<c>max_connections</c>). A full server is skipped.</summary>
    public int MaxConnections { get; init; }
}
