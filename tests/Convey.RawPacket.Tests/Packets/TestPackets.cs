using System.Buffers.Binary;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Tests.Packets;

/// <summary>Builds IPv4/TCP packets for tests, with checksums computed by a deliberately naive reference.</summary>
internal static class TestPackets
{
    public const uint Client = 0xC612000A; // 198.18.0.10
    public const uint Vip = 0xC6120002; // 198.18.0.2
    public const uint Server1 = 0xC612010B; // 198.18.1.11
    public const uint Server2 = 0xC612010C; // 198.18.1.12

    /// <summary>The sequence number of every segment <see cref="Tcp"/> builds unless told otherwise.</summary>
    public const uint Sequence = 0xDEADBEEF;

    public static byte[] Tcp(
        uint source, ushort sourcePort, uint destination, ushort destinationPort,
        TcpFlags flags = TcpFlags.Ack, int payloadLength = 0, int ipOptionsLength = 0, int tcpOptionsLength = 0, int seed = 1,
        uint sequence = Sequence, uint acknowledgment = 0)
    {
        var ipHeader = 20 + ipOptionsLength;
        var tcpHeader = 20 + tcpOptionsLength;
        var packet = new byte[ipHeader + tcpHeader + payloadLength];
        packet[0] = (byte)(0x40 | (ipHeader / 4));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 0x1234);
        packet[6] = 0x40; // DF
        packet[8] = 64;
        packet[9] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), source);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), destination);
        for (var i = 20; i < ipHeader; i++)
        {
            packet[i] = 1; // NOP options
        }

        var tcp = packet.AsSpan(ipHeader);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], acknowledgment);
        tcp[12] = (byte)((tcpHeader / 4) << 4);
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        for (var i = 20; i < tcpHeader; i++)
        {
            tcp[i] = 1;
        }

        var random = new Random(seed);
        random.NextBytes(tcp[tcpHeader..]);
        WriteReferenceChecksums(packet);
        return packet;
    }

    /// <summary>Computes both checksums word by word, the way RFC 793 and RFC 791 describe them.</summary>
    public static void WriteReferenceChecksums(byte[] packet)
    {
        var ipHeader = (packet[0] & 0xF) * 4;
        packet[10] = packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), ReferenceChecksum(packet.AsSpan(0, ipHeader)));
        var tcpLength = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)) - ipHeader;
        var pseudo = new byte[12 + tcpLength];
        packet.AsSpan(12, 8).CopyTo(pseudo);
        pseudo[9] = 6;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)tcpLength);
        packet.AsSpan(ipHeader, tcpLength).CopyTo(pseudo.AsSpan(12));
        pseudo[12 + 16] = pseudo[12 + 17] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(ipHeader + 16), ReferenceChecksum(pseudo));
    }

    public static ushort ReferenceChecksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i < data.Length; i += 2)
        {
            var word = (data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0);
            sum += (uint)word;
            while (sum > 0xFFFF)
            {
                sum = (sum & 0xFFFF) + (sum >> 16);
            }
        }

        return (ushort)~sum;
    }

    /// <summary>An ICMP error (type 3 destination unreachable; code 4, fragmentation needed, with <paramref name="mtu"/>) quoting the first <paramref name="quotedLength"/> bytes of <paramref name="quoted"/>.</summary>
    public static byte[] IcmpError(uint source, uint destination, byte code, byte[] quoted, int quotedLength = 28, ushort mtu = 1400)
    {
        quotedLength = Math.Min(quotedLength, quoted.Length);
        var packet = new byte[20 + 8 + quotedLength];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = IPPacket.ProtocolIcmp;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), source);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), destination);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), ReferenceChecksum(packet.AsSpan(0, 20)));
        var message = packet.AsSpan(20);
        message[0] = 3;
        message[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], code == 4 ? mtu : (ushort)0);
        quoted.AsSpan(0, quotedLength).CopyTo(message[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], ReferenceChecksum(message));
        return packet;
    }

    public static ushort IPv4Checksum(byte[] packet) => BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(10));

    public static ushort TcpChecksum(byte[] packet) => BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(((packet[0] & 0xF) * 4) + 16));
}
