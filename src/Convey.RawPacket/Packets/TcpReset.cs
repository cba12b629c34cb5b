using System.Buffers.Binary;

namespace Convey.RawPacket.Packets;

/// <summary>
/// Builds the RST that answers a segment of no connection, as a TCP does for a segment that reaches a closed port
/// (RFC 9293 3.10.7.1, RFC 793 "Reset Generation"): if the segment carries an ACK, the reset takes its sequence number
/// from that acknowledgment and carries no ACK; otherwise its sequence number is zero and it acknowledges everything
/// the segment occupied (data, SYN and FIN), with the ACK flag. Such a reset is exactly the one the peer's TCP accepts
/// in a synchronized state (its sequence number is the peer's RCV.NXT, RFC 5961 3.2), so the peer's connection ends
/// at once instead of retransmitting until it times out.
/// </summary>
internal static class TcpReset
{
    /// <summary>Length of an IPv4 reset: a header without options and a TCP header without options.</summary>
    public const int IPv4Length = IPv4Header.MinLength + TcpHeader.MinLength;

    /// <summary>Length of an IPv6 reset: the fixed header, no extension headers, a TCP header without options.</summary>
    public const int IPv6Length = IPv6Header.Length + TcpHeader.MinLength;

    private const byte HopLimit = 64;

    /// <summary>
    /// Overwrites the packet <paramref name="ip"/> (a TCP segment <paramref name="tcp"/>, not itself a RST) with the reset
    /// that answers it, from its destination to its source. The reset is never longer than the segment (whose headers
    /// are at least as long), so it fits in the segment's own bytes.
    /// </summary>
    /// <returns>The reset's length, from its IP header on.</returns>
    public static int AnswerInPlace(IPPacket ip, TcpHeader tcp)
    {
        var (source, destination) = (ip.Destination, ip.Source);
        var (sourcePort, destinationPort) = (tcp.DestinationPort, tcp.SourcePort);
        var flags = tcp.Flags;
        var acknowledges = (flags & TcpFlags.Ack) != 0;
        var sequence = acknowledges ? tcp.AcknowledgmentNumber : 0;
        var acknowledgment = acknowledges ? 0 : unchecked(tcp.SequenceNumber + (uint)SequenceSpace(tcp, flags));
        var resetFlags = acknowledges ? TcpFlags.Rst : TcpFlags.Rst | TcpFlags.Ack;

        var bytes = ip.Bytes;
        var headerLength = ip.IsIPv6 ? WriteIPv6Header(bytes, source, destination) : WriteIPv4Header(bytes, source.IPv4, destination.IPv4);
        var segment = bytes.Slice(headerLength, TcpHeader.MinLength);
        BinaryPrimitives.WriteUInt16BigEndian(segment, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(segment[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(segment[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(segment[8..], acknowledgment);
        segment[12] = TcpHeader.MinLength / 4 << 4;
        segment[13] = (byte)resetFlags;
        segment[14..].Clear(); // window, checksum and urgent pointer
        TcpHeader.TryRead(segment, out var reset, out _);
        reset.RecomputeChecksum(source, destination);
        return headerLength + TcpHeader.MinLength;
    }

    /// <summary>The sequence space the segment occupies: its data, and one for each of SYN and FIN.</summary>
    private static int SequenceSpace(TcpHeader tcp, TcpFlags flags) =>
        tcp.SegmentLength - tcp.HeaderLength + ((flags & TcpFlags.Syn) != 0 ? 1 : 0) + ((flags & TcpFlags.Fin) != 0 ? 1 : 0);

    private static int WriteIPv4Header(Span<byte> bytes, uint source, uint destination)
    {
        var header = bytes[..IPv4Header.MinLength];
        header[0] = 0x45;
        header[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], IPv4Length);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 0); // identification: unused with DF (RFC 6864)
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], 0x4000); // don't fragment
        header[8] = HopLimit;
        header[9] = IPPacket.ProtocolTcp;
        BinaryPrimitives.WriteUInt32BigEndian(header[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(header[16..], destination);
        IPv4Header.Unchecked(header).RecomputeChecksum();
        return IPv4Header.MinLength;
    }

    private static int WriteIPv6Header(Span<byte> bytes, PacketAddress source, PacketAddress destination)
    {
        var header = bytes[..IPv6Header.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x6000_0000); // version 6, no traffic class, no flow label
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], TcpHeader.MinLength);
        header[6] = IPPacket.ProtocolTcp;
        header[7] = HopLimit;
        source.WriteTo(header[8..]);
        destination.WriteTo(header[24..]);
        return IPv6Header.Length;
    }
}
