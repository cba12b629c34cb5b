using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Proxy.ProxyProtocol;

/// <summary>
/// Writes the PROXY protocol header (haproxy.org/download/2.9/doc/proxy-protocol.txt) that tells a server
/// the real client address and the address the client connected to.
/// </summary>
internal static class ProxyProtocolHeader
{
    /// <summary>Longest header written: a v1 line for two IPv6 addresses is at most 107 bytes.</summary>
    public const int MaxLength = 108;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>Writes the header into <paramref name="destination"/> and returns its length.</summary>
    public static int Write(ProxyProtocolVersion version, IPEndPoint source, IPEndPoint destination, Span<byte> buffer)
    {
        var (client, local) = SameFamily(source, destination);
        return version switch
        {
            ProxyProtocolVersion.V1 => WriteV1(client, local, buffer),
            ProxyProtocolVersion.V2 => WriteV2(client, local, buffer),
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "No PROXY header for this version."),
        };
    }

    private static int WriteV1(IPEndPoint source, IPEndPoint destination, Span<byte> buffer)
    {
        var family = source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        var line = $"PROXY {family} {source.Address} {destination.Address} {source.Port} {destination.Port}\r\n";
        return Encoding.ASCII.GetBytes(line, buffer);
    }

    private static int WriteV2(IPEndPoint source, IPEndPoint destination, Span<byte> buffer)
    {
        V2Signature.CopyTo(buffer);
        buffer[12] = 0x21; // version 2, command PROXY
        var ipv4 = source.AddressFamily == AddressFamily.InterNetwork;
        buffer[13] = ipv4 ? (byte)0x11 : (byte)0x21; // AF_INET or AF_INET6, over STREAM
        var addressLength = ipv4 ? 4 : 16;
        var payload = (2 * addressLength) + 4;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[14..], (ushort)payload);
        var body = buffer[16..];
        source.Address.TryWriteBytes(body, out _);
        destination.Address.TryWriteBytes(body[addressLength..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(body[(2 * addressLength)..], (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(body[((2 * addressLength) + 2)..], (ushort)destination.Port);
        return 16 + payload;
    }

    /// <summary>Both addresses in one family: IPv4-mapped addresses of a dual-stack socket become plain IPv4.</summary>
    private static (IPEndPoint Source, IPEndPoint Destination) SameFamily(IPEndPoint source, IPEndPoint destination)
    {
        if (source.Address.IsIPv4MappedToIPv6 && (destination.Address.IsIPv4MappedToIPv6 || destination.AddressFamily == AddressFamily.InterNetwork))
        {
            source = new IPEndPoint(source.Address.MapToIPv4(), source.Port);
        }

        if (destination.Address.IsIPv4MappedToIPv6 && source.AddressFamily == AddressFamily.InterNetwork)
        {
            destination = new IPEndPoint(destination.Address.MapToIPv4(), destination.Port);
        }

        if (source.AddressFamily != destination.AddressFamily)
        {
            source = new IPEndPoint(source.Address.MapToIPv6(), source.Port);
            destination = new IPEndPoint(destination.Address.MapToIPv6(), destination.Port);
        }

        return (source, destination);
    }
}
