using System.Buffers.Binary;
using System.Net;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tests.Packets;

namespace Convey.RawPacket.Tests.Xdp;

/// <summary>Ethernet frames for the XDP tests: IPv4 from <see cref="TestPackets"/>, IPv6 and other protocols built here.</summary>
internal static class TestFrames
{
    public const ushort Ipv4 = 0x0800, Ipv6 = 0x86DD, Arp = 0x0806, Vlan = 0x8100;

    /// <summary><paramref name="payload"/> in an Ethernet frame from the peer to the local end, optionally with one 802.1Q tag.</summary>
    public static byte[] Ethernet(ushort type, ReadOnlySpan<byte> payload, ushort? vlan = null)
    {
        var header = vlan is null ? 14 : 18;
        var frame = new byte[header + payload.Length];
        WriteMac(frame, VethNamespaces.LocalMac);
        WriteMac(frame.AsSpan(6), VethNamespaces.PeerMac);
        if (vlan is { } tag)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), Vlan);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), tag);
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(header - 2), type);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    /// <summary>An IPv4 TCP frame to <paramref name="destination"/>:<paramref name="port"/>.</summary>
    public static byte[] Tcp4(string destination, ushort port, ushort? vlan = null, TcpFlags flags = TcpFlags.Syn) =>
        Ethernet(Ipv4, TestPackets.Tcp(Address4(VethNamespaces.PeerAddress), 40000, Address4(destination), port, flags), vlan);

    /// <summary>An IPv6 frame to <paramref name="destination"/>: TCP to <paramref name="port"/> after <paramref name="extensionHeaders"/> hop-by-hop headers.</summary>
    public static byte[] Tcp6(string destination, ushort port, int extensionHeaders = 0)
    {
        var packet = new byte[40 + (8 * extensionHeaders) + 20];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        packet[6] = extensionHeaders > 0 ? (byte)0 : (byte)6;
        packet[7] = 64;
        IPAddress.Parse("2001:2::1").TryWriteBytes(packet.AsSpan(8), out _);
        IPAddress.Parse(destination).TryWriteBytes(packet.AsSpan(24), out _);
        for (var i = 0; i < extensionHeaders; i++)
        {
            packet[40 + (8 * i)] = i == extensionHeaders - 1 ? (byte)6 : (byte)0;
        }

        var tcp = packet.AsSpan(40 + (8 * extensionHeaders));
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], port);
        tcp[12] = 5 << 4;
        tcp[13] = (byte)TcpFlags.Syn;
        return Ethernet(Ipv6, packet);
    }

    public static uint Address4(string address) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(address).GetAddressBytes());

    public static void WriteMac(Span<byte> destination, ulong mac)
    {
        for (var i = 0; i < 6; i++)
        {
            destination[i] = (byte)(mac >> (40 - (8 * i)));
        }
    }
}
