using System.Buffers.Binary;

namespace Convey.RawPacket.Packets;

/// <summary>A view of a TCP segment (header, options, data) inside an IPv4 or IPv6 packet.</summary>
internal readonly ref struct TcpHeader
{
    /// <summary>Length of a header without options.</summary>
    public const int MinLength = 20;

    private readonly Span<byte> _segment;

    private TcpHeader(Span<byte> segment) => _segment = segment;

    /// <summary>Source port.</summary>
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_segment);

    /// <summary>Destination port.</summary>
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_segment[2..]);

    /// <summary>Sequence number.</summary>
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_segment[4..]);

    /// <summary>Acknowledgment number (meaningful when the ACK flag is set).</summary>
    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(_segment[8..]);

    /// <summary>The flag bits (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR).</summary>
    public TcpFlags Flags => (TcpFlags)_segment[13];

    /// <summary>Header length in bytes (data offset × 4), options included.</summary>
    public int HeaderLength => (_segment[12] >> 4) * 4;

    /// <summary>The checksum field.</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[16..]);
        private set => BinaryPrimitives.WriteUInt16BigEndian(_segment[16..], value);
    }

    /// <summary>Length of the whole segment: header, options and data.</summary>
    public int SegmentLength => _segment.Length;

    /// <summary>Reads the TCP header at the start of <paramref name="segment"/> (the IP payload).</summary>
    public static bool TryRead(Span<byte> segment, out TcpHeader header, out DropReason reason)
    {
        header = default;
        if (segment.Length < MinLength)
        {
            reason = DropReason.Truncated;
            return false;
        }

        var headerLength = (segment[12] >> 4) * 4;
        if (headerLength < MinLength || headerLength > segment.Length)
        {
            reason = DropReason.MalformedTcp;
            return false;
        }

        header = new TcpHeader(segment);
        reason = default;
        return true;
    }

    /// <summary>Sets the source port, updating the checksum incrementally.</summary>
    public void SetSourcePort(ushort port) => SetPort(0, port);

    /// <summary>Sets the destination port, updating the checksum incrementally.</summary>
    public void SetDestinationPort(ushort port) => SetPort(2, port);

    /// <summary>Updates the checksum for an address of the pseudo-header that changed.</summary>
    public void OnPseudoHeaderAddressChanged(uint oldAddress, uint newAddress) =>
        Checksum = InternetChecksum.Update(Checksum, oldAddress, newAddress);

    /// <summary>Updates the checksum for an address of the pseudo-header that changed (IPv4 or IPv6; both of one family).</summary>
    public void OnPseudoHeaderAddressChanged(PacketAddress oldAddress, PacketAddress newAddress) =>
        Checksum = InternetChecksum.Update(Checksum, oldAddress, newAddress);

    /// <summary>Computes the checksum over the IPv4 pseudo-header and the whole segment (use when the field holds no finished checksum).</summary>
    public void RecomputeChecksum(uint sourceAddress, uint destinationAddress) =>
        RecomputeChecksum(PacketAddress.FromIPv4(sourceAddress), PacketAddress.FromIPv4(destinationAddress));

    /// <summary>Computes the checksum over the pseudo-header of the addresses' family (RFC 793, RFC 8200 8.1) and the whole segment.</summary>
    public void RecomputeChecksum(PacketAddress sourceAddress, PacketAddress destinationAddress)
    {
        Checksum = 0;
        Checksum = (ushort)~InternetChecksum.Fold(InternetChecksum.Add(PseudoHeaderSum(sourceAddress, destinationAddress), _segment));
    }

    /// <summary>Whether the checksum over the IPv4 pseudo-header and segment is right.</summary>
    public bool HasValidChecksum(uint sourceAddress, uint destinationAddress) =>
        HasValidChecksum(PacketAddress.FromIPv4(sourceAddress), PacketAddress.FromIPv4(destinationAddress));

    /// <summary>Whether the checksum over the pseudo-header of the addresses' family and the segment is right.</summary>
    public bool HasValidChecksum(PacketAddress sourceAddress, PacketAddress destinationAddress) =>
        InternetChecksum.Fold(InternetChecksum.Add(PseudoHeaderSum(sourceAddress, destinationAddress), _segment)) == 0xFFFF;

    /// <summary>
    /// The unfolded sum of the pseudo-header: for IPv4 the two addresses, protocol and TCP length; for IPv6 the two
    /// addresses, the 32-bit upper-layer length and the next header value. Both sum to the same words but for the
    /// addresses, so only their width differs.
    /// </summary>
    private ulong PseudoHeaderSum(PacketAddress sourceAddress, PacketAddress destinationAddress)
    {
        ulong sum = IPPacket.ProtocolTcp + (uint)_segment.Length;
        if (sourceAddress.IsIPv4 && destinationAddress.IsIPv4)
        {
            var (source, destination) = (sourceAddress.IPv4, destinationAddress.IPv4);
            return sum + (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF);
        }

        return sum + InternetChecksum.SumOfWords(sourceAddress.ToUInt128()) + InternetChecksum.SumOfWords(destinationAddress.ToUInt128());
    }

    private void SetPort(int offset, ushort port)
    {
        var old = BinaryPrimitives.ReadUInt16BigEndian(_segment[offset..]);
        BinaryPrimitives.WriteUInt16BigEndian(_segment[offset..], port);
        Checksum = InternetChecksum.Update(Checksum, old, port);
    }
}
