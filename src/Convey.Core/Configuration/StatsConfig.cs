using System.Net;

namespace Convey.Configuration;

/// <summary>The stats endpoint (<c>[stats]</c>).</summary>
public sealed record StatsConfig
{
    /// <summary>Port of the stats endpoint (<c>port</c>); null when the file has no <c>[stats]</c> table.</summary>
    public int? Port { get; init; }

    /// <summary>Address the stats endpoint binds to (<c>listen_addr</c>); loopback unless configured.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;
}
