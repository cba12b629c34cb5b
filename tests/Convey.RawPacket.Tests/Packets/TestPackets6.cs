using System.Buffers.Binary;
using System.Net;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Tests.Packets;

/// <summary>An IPv6 extension header for <see cref="TestPackets6.Tcp"/>: its type, length in bytes (a multiple of 8) and, for a routing header, segments left.</summary>
public readonly record struct ExtensionHeader(byte Type, int Length = 8, byte SegmentsLeft = 0);

/// <summary>Builds IPv6 packets (TCP, ICMPv6 errors) for tests, with checksums computed by the naive reference of <see cref="TestPackets"/>.</summary>
internal static class TestPackets6
{
    public static readonly PacketAddress Client = Address("2001:2::a");
    public static readonly PacketAddress Vip = Address("2001:2::2");
    public static readonly PacketAddress Server1 = Address("2001:2::1:b");
    public static readonly PacketAddress Server2 = Address("2001:2::1:c");
    public static readonly PacketAddress Router = Address("2001:2::fe");

    public static PacketAddress Address(string text) => PacketAddress.From(IPAddress.Parse(text));

    public static byte[] Tcp(
        PacketAddress source, ushort sourcePort, PacketAddress destination, ushort destinationPort,
        TcpFlags flags = TcpFlags.Ack, int payloadLength = 0, int seed = 1, uint sequence = TestPackets.Sequence, params ExtensionHeader[] extensions)
    {
        var extensionLength = extensions.Sum(e => e.Length);
        var packet = new byte[IPv6Header.Length + extensionLength + 20 + payloadLength];
        WriteHeader(packet, source, destination, extensions.Length > 0 ? extensions[0].Type : IPPacket.ProtocolTcp, 64);
        var offset = IPv6Header.Length;
        for (var i = 0; i < extensions.Length; i++)
        {
            var extension = extensions[i];
            packet[offset] = i + 1 < extensions.Length ? extensions[i + 1].Type : IPPacket.ProtocolTcp;
            if (extension.Type == IPv6ExtensionHeaders.Fragment)
            {
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(offset + 2), 1); // offset 0, more fragments
            }
            else
            {
                packet[offset + 1] = (byte)((extension.Length / 8) - 1); // the rest: Pad1 options, or a routing header's fields
                if (extension.Type == IPv6ExtensionHeaders.Routing)
                {
                    packet[offset + 2] = 4;
                    packet[offset + 3] = extension.SegmentsLeft;
                }
            }

            offset += extension.Length;
        }

        var tcp = packet.AsSpan(offset);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        tcp[12] = 5 << 4;
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        new Random(seed).NextBytes(tcp[20..]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], ReferenceChecksum(source, destination, IPPacket.ProtocolTcp, tcp));
        return packet;
    }

    /// <summary>An ICMPv6 error (type 1 destination unreachable, type 2 packet too big with <paramref name="mtu"/>) quoting the first <paramref name="quotedLength"/> bytes of <paramref name="quoted"/>.</summary>
    public static byte[] IcmpError(PacketAddress source, PacketAddress destination, byte type, byte[] quoted, int quotedLength = int.MaxValue, uint mtu = 1280)
    {
        quotedLength = Math.Min(quotedLength, quoted.Length);
        var packet = new byte[IPv6Header.Length + 8 + quotedLength];
        WriteHeader(packet, source, destination, IPPacket.ProtocolIcmpV6, 64);
        var message = packet.AsSpan(IPv6Header.Length);
        message[0] = type;
        BinaryPrimitives.WriteUInt32BigEndian(message[4..], type == 2 ? mtu : 0);
        quoted.AsSpan(0, quotedLength).CopyTo(message[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], ReferenceChecksum(source, destination, IPPacket.ProtocolIcmpV6, message));
        return packet;
    }

    /// <summary>Whether the packet's upper-layer checksum (TCP, or ICMPv6) is right by the reference computation.</summary>
    public static bool ChecksumValid(byte[] packet)
    {
        if (!IPPacket.TryRead(packet, out var ip, out _))
        {
            return false;
        }

        var payload = ip.Payload.ToArray();
        var field = ip.Protocol == IPPacket.ProtocolTcp ? 16 : 2;
        var expected = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(field));
        payload[field] = payload[field + 1] = 0;
        return ReferenceChecksum(ip.Source, ip.Destination, ip.Protocol, payload) == expected;
    }

    public static (PacketAddress Source, ushort SourcePort, PacketAddress Destination, ushort DestinationPort) Addresses(byte[] packet)
    {
        Assert.True(IPPacket.TryRead(packet, out var ip, out var reason), $"not a packet: {reason}");
        return (ip.Source, BinaryPrimitives.ReadUInt16BigEndian(ip.Payload), ip.Destination, BinaryPrimitives.ReadUInt16BigEndian(ip.Payload[2..]));
    }

    private static void WriteHeader(Span<byte> packet, PacketAddress source, PacketAddress destination, byte nextHeader, byte hopLimit)
    {
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(packet.Length - IPv6Header.Length));
        packet[6] = nextHeader;
        packet[7] = hopLimit;
        source.WriteTo(packet[8..]);
        destination.WriteTo(packet[24..]);
    }

    private static ushort ReferenceChecksum(PacketAddress source, PacketAddress destination, byte protocol, ReadOnlySpan<byte> upperLayer)
    {
        var pseudo = new byte[40 + upperLayer.Length];
        source.WriteTo(pseudo);
        destination.WriteTo(pseudo.AsSpan(16));
        BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(32), (uint)upperLayer.Length);
        pseudo[39] = protocol;
        upperLayer.CopyTo(pseudo.AsSpan(40));
        return TestPackets.ReferenceChecksum(pseudo);
    }
}
