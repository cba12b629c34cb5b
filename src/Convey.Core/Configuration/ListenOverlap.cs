using System.Net;
using System.Net.Sockets;

namespace Convey.Configuration;

/// <summary>
/// When two TCP listeners take the same port: the same address, or a wildcard and an address it covers.
/// <c>0.0.0.0</c> covers every IPv4 address. <c>[::]</c> covers every IPv6 address, and every IPv4 address too when
/// its socket is dual-stack: the default of Linux sockets (<c>net.ipv6.bindv6only = 0</c>) and what Kestrel (the
/// stats listener) asks for, while the proxy engine binds frontends on <c>[::]</c> IPv6-only so that
/// <c>0.0.0.0:80</c> and <c>[::]:80</c> can be two frontends. IPv4-mapped addresses are the IPv4 addresses they carry.
/// </summary>
internal static class ListenOverlap
{
    /// <summary>Whether listeners on <paramref name="a"/> and <paramref name="b"/> would take the same port.</summary>
    /// <param name="a">One listen address.</param>
    /// <param name="aDualStack">Whether a listener on <paramref name="a"/> = <c>[::]</c> also takes IPv4.</param>
    /// <param name="b">The other listen address.</param>
    /// <param name="bDualStack">Whether a listener on <paramref name="b"/> = <c>[::]</c> also takes IPv4.</param>
    public static bool Overlaps(IPEndPoint a, bool aDualStack, IPEndPoint b, bool bDualStack) =>
        a.Port == b.Port && (Covers(a.Address, aDualStack, b.Address) || Covers(b.Address, bDualStack, a.Address));

    /// <summary>Whether a listener on <paramref name="listen"/> accepts connections made to <paramref name="target"/>.</summary>
    public static bool Covers(IPAddress listen, bool dualStack, IPAddress target)
    {
        listen = Normalize(listen);
        target = Normalize(target);
        return listen.Equals(target)
            || (listen.Equals(IPAddress.IPv6Any) && (dualStack || target.AddressFamily == AddressFamily.InterNetworkV6))
            || (listen.Equals(IPAddress.Any) && target.AddressFamily == AddressFamily.InterNetwork);
    }

    /// <summary>Whether <paramref name="address"/> is a wildcard (<c>0.0.0.0</c> or <c>[::]</c>).</summary>
    public static bool IsWildcard(IPAddress address) =>
        Normalize(address) is var normal && (normal.Equals(IPAddress.Any) || normal.Equals(IPAddress.IPv6Any));

    /// <summary>Why overlapping <paramref name="a"/> and <paramref name="b"/> take the same port, for messages; empty when they are the same address.</summary>
    public static string Explain(IPEndPoint a, bool aDualStack, IPEndPoint b, bool bDualStack)
    {
        var (x, y) = (Normalize(a.Address), Normalize(b.Address));
        if (x.Equals(y))
        {
            return "";
        }

        var (wildcard, dualStack) = Covers(a.Address, aDualStack, b.Address) ? (a, aDualStack) : (b, bDualStack);
        if (!Normalize(wildcard.Address).Equals(IPAddress.IPv6Any))
        {
            return $" {wildcard} takes port {wildcard.Port} on every IPv4 address of this host.";
        }

        return dualStack && (x.AddressFamily == AddressFamily.InterNetwork || y.AddressFamily == AddressFamily.InterNetwork)
            ? $" {wildcard} takes port {wildcard.Port} on every IPv6 address and, since its socket is dual-stack (the Linux default), on every IPv4 address too."
            : $" {wildcard} takes port {wildcard.Port} on every IPv6 address of this host.";
    }

    /// <summary>The IPv4 address an IPv4-mapped IPv6 address carries; any other address as it is.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
