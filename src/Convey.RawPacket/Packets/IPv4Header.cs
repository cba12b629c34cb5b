using System.Buffers.Binary;

namespace Convey.RawPacket.Packets;

/// <summary>A view of the IPv4 header at the start of a packet; setters keep the header checksum right (RFC 1624).</summary>
internal readonly ref struct IPv4Header
{
    /// <summary>Length of a header without options.</summary>
    public const int MinLength = 20;

    /// <summary>IANA protocol number of TCP.</summary>
    public const byte ProtocolTcp = 6;

    private readonly Span<byte> _bytes;

    private IPv4Header(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Header length in bytes (IHL × 4), options included.</summary>
    public int HeaderLength => (_bytes[0] & 0x0F) * 4;

    /// <summary>The total length field: header plus payload.</summary>
    public int TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_bytes[2..]);

    /// <summary>The protocol field.</summary>
    public byte Protocol => _bytes[9];

    /// <summary>Whether this is a fragment (more-fragments set or a non-zero offset).</summary>
    public bool IsFragment => (BinaryPrimitives.ReadUInt16BigEndian(_bytes[6..]) & 0x3FFF) != 0;

    /// <summary>The header checksum field.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_bytes[10..]);

    /// <summary>Source address as a big-endian number (198.18.0.2 is 0xC6120002).</summary>
    public uint Source
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_bytes[12..]);
        set => SetAddress(12, value);
    }

    /// <summary>Destination address as a big-endian number.</summary>
    public uint Destination
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_bytes[16..]);
        set => SetAddress(16, value);
    }

    /// <summary>The header bytes, options included.</summary>
    public Span<byte> Bytes => _bytes[..HeaderLength];

    /// <summary>The payload, as delimited by the total length field.</summary>
    public Span<byte> Payload => _bytes[HeaderLength..TotalLength];

    /// <summary>
    /// Reads the header at the start of <paramref name="packet"/>, checking version, lengths and the header
    /// checksum. Bytes past the total length (Ethernet padding) are allowed and ignored.
    /// </summary>
    public static bool TryRead(Span<byte> packet, out IPv4Header header, out DropReason reason)
    {
        header = default;
        if (packet.Length < MinLength)
        {
            reason = DropReason.Truncated;
            return false;
        }

        var headerLength = (packet[0] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (packet[0] >> 4 != 4 || headerLength < MinLength || totalLength < headerLength)
        {
            reason = DropReason.MalformedIPv4;
            return false;
        }

        if (totalLength > packet.Length)
        {
            reason = DropReason.Truncated;
            return false;
        }

        if (InternetChecksum.Compute(packet[..headerLength]) != 0)
        {
            reason = DropReason.BadIPv4Checksum;
            return false;
        }

        header = new IPv4Header(packet);
        reason = default;
        return true;
    }

    /// <summary>A view without any check (for packets this engine built itself).</summary>
    public static IPv4Header Unchecked(Span<byte> packet) => new(packet);

    /// <summary>Recomputes the header checksum from scratch.</summary>
    public void RecomputeChecksum()
    {
        var header = Bytes;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
    }

    private void SetAddress(int offset, uint value)
    {
        var old = BinaryPrimitives.ReadUInt32BigEndian(_bytes[offset..]);
        BinaryPrimitives.WriteUInt32BigEndian(_bytes[offset..], value);
        BinaryPrimitives.WriteUInt16BigEndian(_bytes[10..], InternetChecksum.Update(Checksum, old, value));
    }
}
