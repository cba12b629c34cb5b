using System.Buffers.Binary;

namespace Convey.RawPacket.Packets;

/// <summary>A view of the fixed IPv6 header (RFC 8200) at the start of a packet. IPv6 has no header checksum.</summary>
internal readonly ref struct IPv6Header
{
    /// <summary>Length of the fixed header.</summary>
    public const int Length = 40;

    private readonly Span<byte> _bytes;

    private IPv6Header(Span<byte> bytes) => _bytes = bytes;

    /// <summary>The payload length field: extension headers and upper-layer data.</summary>
    public int PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_bytes[4..]);

    /// <summary>The next header field: the first extension header or the upper-layer protocol.</summary>
    public byte NextHeader => _bytes[6];

    /// <summary>Source address.</summary>
    public PacketAddress Source
    {
        get => PacketAddress.FromIPv6(_bytes[8..]);
        set => value.WriteTo(_bytes[8..]);
    }

    /// <summary>Destination address.</summary>
    public PacketAddress Destination
    {
        get => PacketAddress.FromIPv6(_bytes[24..]);
        set => value.WriteTo(_bytes[24..]);
    }

    /// <summary>
    /// Reads the fixed header at the start of <paramref name="packet"/>, checking version and payload length. Bytes past
    /// the payload (Ethernet padding) are allowed and ignored. A payload length of 0 announces a jumbogram (RFC 2675, or a
    /// BIG TCP super-packet), which the engine does not take. An IPv4-mapped address is refused: it never belongs on the
    /// wire (RFC 4291 2.5.5.2), and would otherwise stand for an IPv4 frontend or server.
    /// </summary>
    public static bool TryRead(Span<byte> packet, out IPv6Header header, out DropReason reason)
    {
        header = default;
        if (packet.Length < Length)
        {
            reason = DropReason.Truncated;
            return false;
        }

        if (packet[0] >> 4 != 6)
        {
            reason = DropReason.MalformedIPv6;
            return false;
        }

        var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        if (payloadLength == 0)
        {
            reason = DropReason.Oversized;
            return false;
        }

        if (Length + payloadLength > packet.Length)
        {
            reason = DropReason.Truncated;
            return false;
        }

        var view = new IPv6Header(packet);
        if (view.Source.IsIPv4 || view.Destination.IsIPv4)
        {
            reason = DropReason.MalformedIPv6;
            return false;
        }

        header = view;
        reason = default;
        return true;
    }

    /// <summary>A view without any check (for packets this engine checked or built itself).</summary>
    public static IPv6Header Unchecked(Span<byte> packet) => new(packet);
}
