using System.Buffers.Binary;
using System.Net;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tests.Packets;
using Convey.RawPacket.Xdp;

namespace Convey.RawPacket.Tests.Xdp;

public class PartialChecksumTests
{
    [Fact]
    public void A_segment_with_its_full_checksum_is_not_partial()
    {
        var packet = TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080, payloadLength: 100);

        Assert.False(PartialChecksum.IsPartial(packet));
    }

    [Fact]
    public void An_ipv4_segment_whose_checksum_field_holds_the_pseudo_header_sum_is_partial()
    {
        var packet = TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080, payloadLength: 100, ipOptionsLength: 4);
        var tcpLength = packet.Length - 24;
        // What a sender with checksum offload leaves in the field: the folded sum of addresses, protocol and length.
        var pseudo = InternetChecksum.Fold(InternetChecksum.Add(0, packet.AsSpan(12, 8)) + 6 + (uint)tcpLength);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24 + 16), pseudo);

        Assert.True(PartialChecksum.IsPartial(packet));
    }

    [Fact]
    public void An_ipv6_segment_whose_checksum_field_holds_the_pseudo_header_sum_is_partial_and_a_full_one_is_not()
    {
        var packet = Ipv6Segment(payload: 33);
        var pseudo = InternetChecksum.Fold(InternetChecksum.Add(0, packet.AsSpan(8, 32)) + 6 + (uint)(packet.Length - 40));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(40 + 16), pseudo);

        Assert.True(PartialChecksum.IsPartial(packet));

        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(40 + 16), (ushort)~pseudo);
        Assert.False(PartialChecksum.IsPartial(packet));
    }

    [Fact]
    public void An_ipv6_segment_behind_extension_headers_is_read_where_its_tcp_header_is()
    {
        var packet = TestPackets6.Tcp(TestPackets6.Client, 40000, TestPackets6.Vip, 8080, payloadLength: 33,
            extensions: [new(IPv6ExtensionHeaders.HopByHop, 8), new(IPv6ExtensionHeaders.DestinationOptions, 16)]);
        const int tcp = 40 + 24;
        var pseudo = InternetChecksum.Fold(InternetChecksum.Add(0, packet.AsSpan(8, 32)) + 6 + (uint)(packet.Length - tcp));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(tcp + 16), pseudo);

        Assert.True(PartialChecksum.IsPartial(packet));
    }

    [Fact]
    public void An_icmp_error_is_never_partial()
    {
        var quoted = TestPackets6.Tcp(TestPackets6.Vip, 8080, TestPackets6.Client, 40000);
        var error = TestPackets6.IcmpError(TestPackets6.Router, TestPackets6.Vip, 2, quoted);
        // Whatever its bytes at a TCP checksum's place hold, it is no TCP segment.
        var pseudo = InternetChecksum.Fold(InternetChecksum.Add(0, error.AsSpan(8, 32)) + 6 + (uint)(error.Length - 40));
        BinaryPrimitives.WriteUInt16BigEndian(error.AsSpan(40 + 16), pseudo);

        Assert.False(PartialChecksum.IsPartial(error));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(39)]
    public void A_packet_too_short_for_its_headers_is_not_partial(int length)
    {
        var packet = TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080);

        Assert.False(PartialChecksum.IsPartial(packet.AsSpan(0, length)));
    }

    private static byte[] Ipv6Segment(int payload)
    {
        var packet = new byte[40 + 20 + payload];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(20 + payload));
        packet[6] = 6;
        IPAddress.Parse("2001:2::10").TryWriteBytes(packet.AsSpan(8), out _);
        IPAddress.Parse("2001:2::2").TryWriteBytes(packet.AsSpan(24), out _);
        packet[40 + 12] = 5 << 4;
        for (var i = 60; i < packet.Length; i++)
        {
            packet[i] = (byte)i;
        }

        return packet;
    }
}
