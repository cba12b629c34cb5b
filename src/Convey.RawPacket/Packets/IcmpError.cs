using System.Buffers.Binary;

namespace Convey.RawPacket.Packets;

/// <summary>
/// An ICMP (IPv4) or ICMPv6 error about a TCP packet, and the packet it quotes: destination unreachable (IPv4 type 3,
/// whose code 4 is "fragmentation needed", the path-MTU signal; ICMPv6 type 1) and packet too big (ICMPv6 type 2). Every
/// other ICMP message (echo, neighbour discovery, router advertisements, …) is the kernel's alone.
/// </summary>
internal readonly ref struct IcmpError
{
    /// <summary>Type, code, checksum and the 4 bytes (unused, or the MTU) before the quoted packet.</summary>
    private const int HeaderLength = 8;

    /// <summary>Upper-layer bytes of the quoted packet needed: the ports (and, in IPv4, the sequence number; RFC 792 quotes 8).</summary>
    private const int QuotedTcpBytes = 8;

    private readonly Span<byte> _message;
    private readonly IPPacket _quoted;

    private IcmpError(Span<byte> message, IPPacket quoted)
    {
        _message = message;
        _quoted = quoted;
    }

    /// <summary>The quoted packet's source address: the one who sent it, as it left.</summary>
    public PacketAddress QuotedSource => _quoted.Source;

    /// <summary>The quoted packet's destination address.</summary>
    public PacketAddress QuotedDestination => _quoted.Destination;

    public ushort QuotedSourcePort => BinaryPrimitives.ReadUInt16BigEndian(_quoted.Payload);

    public ushort QuotedDestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_quoted.Payload[2..]);

    /// <summary>
    /// Reads the ICMP error <paramref name="ip"/> carries: an error type the engine relays, a right checksum, and a quoted
    /// TCP packet of <paramref name="ip"/>'s family with its ports. <see cref="DropReason.IcmpNotRelayed"/> for any other
    /// ICMP message or an error about something other than TCP; <see cref="DropReason.MalformedIcmp"/> when it is broken.
    /// </summary>
    public static bool TryRead(IPPacket ip, out IcmpError error, out DropReason reason)
    {
        error = default;
        var message = ip.Payload;
        if (message.Length < HeaderLength)
        {
            reason = DropReason.MalformedIcmp;
            return false;
        }

        var relayed = ip.IsIPv6 ? message[0] is 1 or 2 : message[0] == 3;
        if (!relayed)
        {
            reason = DropReason.IcmpNotRelayed;
            return false;
        }

        if (InternetChecksum.Fold(Sum(ip.IsIPv6, ip.Source, ip.Destination, message)) != 0xFFFF ||
            !IPPacket.TryReadQuoted(message[HeaderLength..], ip.IsIPv6, QuotedTcpBytes, out var quoted))
        {
            reason = DropReason.MalformedIcmp;
            return false;
        }

        if (quoted.Protocol != IPPacket.ProtocolTcp)
        {
            reason = DropReason.IcmpNotRelayed;
            return false;
        }

        error = new IcmpError(message, quoted);
        reason = default;
        return true;
    }

    /// <summary>
    /// Rewrites the quoted packet's addresses and ports to what its new receiver sent (or would have sent), keeping the
    /// quoted IPv4 header checksum and, when quoted, the TCP checksum consistent. Call <see cref="RecomputeChecksum"/> after.
    /// </summary>
    public void RewriteQuoted(PacketAddress source, ushort sourcePort, PacketAddress destination, ushort destinationPort)
    {
        var tcp = _quoted.Payload;
        var (oldSource, oldDestination) = (_quoted.Source, _quoted.Destination);
        var (oldSourcePort, oldDestinationPort) = (QuotedSourcePort, QuotedDestinationPort);
        _quoted.Source = source;
        _quoted.Destination = destination;
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        if (tcp.Length < 18)
        {
            return;
        }

        var checksum = BinaryPrimitives.ReadUInt16BigEndian(tcp[16..]);
        checksum = InternetChecksum.Update(checksum, oldSource, source);
        checksum = InternetChecksum.Update(checksum, oldDestination, destination);
        checksum = InternetChecksum.Update(checksum, oldSourcePort, sourcePort);
        checksum = InternetChecksum.Update(checksum, oldDestinationPort, destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], checksum);
    }

    /// <summary>Computes the message's checksum for its outer addresses (ICMPv6 covers a pseudo-header; ICMP the message only).</summary>
    public void RecomputeChecksum(bool ipv6, PacketAddress source, PacketAddress destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_message[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(_message[2..], (ushort)~InternetChecksum.Fold(Sum(ipv6, source, destination, _message)));
    }

    private static ulong Sum(bool ipv6, PacketAddress source, PacketAddress destination, ReadOnlySpan<byte> message)
    {
        ulong pseudo = ipv6
            ? InternetChecksum.SumOfWords(source.ToUInt128()) + InternetChecksum.SumOfWords(destination.ToUInt128()) + (uint)message.Length + IPPacket.ProtocolIcmpV6
            : 0;
        return InternetChecksum.Add(pseudo, message);
    }
}
