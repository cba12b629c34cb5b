using System.Buffers.Binary;

namespace Convey.RawPacket.Packets;

/// <summary>
/// A checked IPv4 or IPv6 packet, seen the same way whatever its family: addresses as <see cref="PacketAddress"/>, the
/// upper-layer protocol and where its header starts (past IPv4 options or IPv6 extension headers). Setting an address
/// keeps the IPv4 header checksum right; the upper layer's checksum is the caller's (see <see cref="TcpHeader"/>).
/// </summary>
internal readonly ref struct IPPacket
{
    public const byte ProtocolIcmp = 1;
    public const byte ProtocolTcp = 6;
    public const byte ProtocolIcmpV6 = 58;

    private readonly Span<byte> _bytes;

    private IPPacket(Span<byte> bytes, int headerLength, byte protocol, bool isIPv6)
    {
        _bytes = bytes;
        HeaderLength = headerLength;
        Protocol = protocol;
        IsIPv6 = isIPv6;
    }

    public bool IsIPv6 { get; }

    /// <summary>Bytes before the upper-layer header: the IPv4 header with its options, or the IPv6 header with its extension headers.</summary>
    public int HeaderLength { get; }

    /// <summary>The upper-layer protocol (<see cref="ProtocolTcp"/>, <see cref="ProtocolIcmp"/>, <see cref="ProtocolIcmpV6"/>, …).</summary>
    public byte Protocol { get; }

    /// <summary>The packet's length on the wire: IPv4 total length, or IPv6 header plus payload length (for an embedded packet: the bytes at hand).</summary>
    public int TotalLength => _bytes.Length;

    /// <summary>The packet from its IP header to its end.</summary>
    public Span<byte> Bytes => _bytes;

    /// <summary>The upper-layer header and data.</summary>
    public Span<byte> Payload => _bytes[HeaderLength..];

    public PacketAddress Source
    {
        get => IsIPv6 ? IPv6Header.Unchecked(_bytes).Source : PacketAddress.FromIPv4(IPv4Header.Unchecked(_bytes).Source);
        set
        {
            if (IsIPv6)
            {
                IPv6Header.Unchecked(_bytes).Source = value;
            }
            else
            {
                IPv4Header.Unchecked(_bytes).Source = value.IPv4;
            }
        }
    }

    public PacketAddress Destination
    {
        get => IsIPv6 ? IPv6Header.Unchecked(_bytes).Destination : PacketAddress.FromIPv4(IPv4Header.Unchecked(_bytes).Destination);
        set
        {
            if (IsIPv6)
            {
                IPv6Header.Unchecked(_bytes).Destination = value;
            }
            else
            {
                IPv4Header.Unchecked(_bytes).Destination = value.IPv4;
            }
        }
    }

    /// <summary>
    /// Reads the packet at the start of <paramref name="packet"/>: an IPv4 header (checksum checked, fragments refused) or
    /// an IPv6 header and its extension headers (fragments, routing in progress and malformed chains refused). Bytes past
    /// the packet's length (Ethernet padding) are left out of the view.
    /// </summary>
    public static bool TryRead(Span<byte> packet, out IPPacket ip, out DropReason reason)
    {
        ip = default;
        if (packet.Length > 0 && packet[0] >> 4 == 6)
        {
            if (!IPv6Header.TryRead(packet, out var v6, out reason))
            {
                return false;
            }

            var bytes = packet[..(IPv6Header.Length + v6.PayloadLength)];
            if (!IPv6ExtensionHeaders.TryWalk(bytes, out var protocol, out var offset, out reason))
            {
                return false;
            }

            ip = new IPPacket(bytes, offset, protocol, isIPv6: true);
            return true;
        }

        if (!IPv4Header.TryRead(packet, out var v4, out reason))
        {
            return false;
        }

        if (v4.IsFragment)
        {
            reason = DropReason.Fragment;
            return false;
        }

        ip = new IPPacket(packet[..v4.TotalLength], v4.HeaderLength, v4.Protocol, isIPv6: false);
        return true;
    }

    /// <summary>
    /// Reads the packet an ICMP error quotes (<paramref name="bytes"/>: as much of it as the error carries), of the
    /// family <paramref name="ipv6"/> says. Its length field may exceed what is quoted, its IPv4 checksum is not checked
    /// (a router may quote the header as it forwarded it), and at least <paramref name="minPayload"/> bytes of its
    /// upper layer must be there. A fragment after the first carries no upper-layer header and is refused.
    /// </summary>
    public static bool TryReadQuoted(Span<byte> bytes, bool ipv6, int minPayload, out IPPacket ip)
    {
        ip = default;
        if (ipv6)
        {
            if (bytes.Length < IPv6Header.Length || bytes[0] >> 4 != 6)
            {
                return false;
            }

            var quoted = bytes[..Math.Min(bytes.Length, IPv6Header.Length + BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]))];
            if (!IPv6ExtensionHeaders.TryWalk(quoted, out var protocol, out var offset, out _) || quoted.Length - offset < minPayload)
            {
                return false;
            }

            ip = new IPPacket(quoted, offset, protocol, isIPv6: true);
            return !ip.Source.IsIPv4 && !ip.Destination.IsIPv4;
        }

        if (bytes.Length < IPv4Header.MinLength || bytes[0] >> 4 != 4)
        {
            return false;
        }

        var headerLength = (bytes[0] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        var fragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]) & 0x1FFF;
        var end = Math.Min(bytes.Length, (int)totalLength);
        if (headerLength < IPv4Header.MinLength || end - headerLength < minPayload || fragmentOffset != 0)
        {
            return false;
        }

        ip = new IPPacket(bytes[..end], headerLength, bytes[9], isIPv6: false);
        return true;
    }
}
