using System.Buffers.Binary;

namespace Convey.RawPacket.Packets;

/// <summary>A view of a TCP segment (header, options, data) inside an IPv4 packet.</summary>
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

    /// <summary>Reads the TCP header at the start of <paramref name="segment"/> (the IPv4 payload).</summary>
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

    /// <summary>Computes the checksum over the pseudo-header and the whole segment (use when the field holds no finished checksum).</summary>
    public void RecomputeChecksum(uint sourceAddress, uint destinationAddress)
    {
        Checksum = 0;
        ulong sum = (sourceAddress >> 16) + (sourceAddress & 0xFFFF) +
                    (destinationAddress >> 16) + (destinationAddress & 0xFFFF) +
                    IPv4Header.ProtocolTcp + (uint)_segment.Length;
        Checksum = (ushort)~InternetChecksum.Fold(InternetChecksum.Add(sum, _segment));
    }

    /// <summary>Whether the checksum over pseudo-header and segment is right.</summary>
    public bool HasValidChecksum(uint sourceAddress, uint destinationAddress)
    {
        ulong sum = (sourceAddress >> 16) + (sourceAddress & 0xFFFF) +
                    (destinationAddress >> 16) + (destinationAddress & 0xFFFF) +
                    IPv4Header.ProtocolTcp + (uint)_segment.Length;
        return InternetChecksum.Fold(InternetChecksum.Add(sum, _segment)) == 0xFFFF;
    }

    private void SetPort(int offset, ushort port)
    {
        var old = BinaryPrimitives.ReadUInt16BigEndian(_segment[offset..]);
        BinaryPrimitives.WriteUInt16BigEndian(_segment[offset..], port);
        Checksum = InternetChecksum.Update(Checksum, old, port);
    }
}
