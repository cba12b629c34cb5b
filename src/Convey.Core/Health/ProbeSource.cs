using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Convey.Health;

/// <summary>
/// The source address of a health probe to an IPv6 server. IPv4 leaves from the primary address of the server's
/// subnet, but Linux's IPv6 source selection (RFC 6724 rule 8, the common prefix capped at each address's prefix
/// length) prefers a /128 address near the server over the address of the server's own subnet: a VIP6 added to the
/// uplink as a /128 for L2 DSR, which the servers also hold on their loopback. A probe from there is answered by
/// the server to itself, and every server would be marked down. So when the kernel would pick an address that is not
/// of a prefix covering the server, and the host holds one that is, the probe leaves from that one.
/// </summary>
internal static class ProbeSource
{
    /// <summary>The address to bind a probe to <paramref name="server"/> to; null to let the kernel choose.</summary>
    public static IPEndPoint? For(IPAddress server)
    {
        if (server.AddressFamily != AddressFamily.InterNetworkV6 || server.IsIPv6LinkLocal || IPAddress.IsLoopback(server))
        {
            return null;
        }

        try
        {
            // A connected UDP socket sends nothing: the kernel only looks up the route and source address.
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(server, 9);
            var kernelChoice = ((IPEndPoint)probe.LocalEndPoint!).Address;
            var chosen = Choose(server, kernelChoice, NetworkInterface.GetAllNetworkInterfaces()
                .Where(nic => nic.OperationalStatus == OperationalStatus.Up)
                .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
                .Select(u => (u.Address, u.PrefixLength)));
            return chosen is null ? null : new IPEndPoint(chosen, 0);
        }
        catch (Exception exception) when (exception is SocketException or NetworkInformationException)
        {
            // No route or no interfaces to read: the connect reports what is wrong.
            return null;
        }
    }

    /// <summary>
    /// <paramref name="kernelChoice"/> when it belongs to a prefix that covers <paramref name="server"/> (or none of
    /// <paramref name="local"/> does): null; else the local address with the longest such prefix.
    /// </summary>
    internal static IPAddress? Choose(IPAddress server, IPAddress kernelChoice, IEnumerable<(IPAddress Address, int PrefixLength)> local)
    {
        var covering = local
            .Where(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6 && !a.Address.IsIPv6LinkLocal
                && a.PrefixLength is > 0 and < 128 && SamePrefix(a.Address, server, a.PrefixLength))
            .ToList();
        if (covering.Count == 0 || covering.Any(a => a.Address.Equals(kernelChoice)))
        {
            return null;
        }

        return covering.MaxBy(a => a.PrefixLength).Address;
    }

    private static bool SamePrefix(IPAddress a, IPAddress b, int prefixLength)
    {
        var x = ToNumber(a) ^ ToNumber(b);
        return x >> (128 - prefixLength) == UInt128.Zero;
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
