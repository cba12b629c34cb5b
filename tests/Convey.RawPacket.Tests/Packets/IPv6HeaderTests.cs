using System.Buffers.Binary;
using Convey.RawPacket.Packets;
using static Convey.RawPacket.Tests.Packets.TestPackets6;

namespace Convey.RawPacket.Tests.Packets;

public class IPv6HeaderTests
{
    private static readonly ExtensionHeader HopByHop = new(IPv6ExtensionHeaders.HopByHop);
    private static readonly ExtensionHeader DestinationOptions = new(IPv6ExtensionHeaders.DestinationOptions, 16);
    private static readonly ExtensionHeader FinishedRouting = new(IPv6ExtensionHeaders.Routing, 24, SegmentsLeft: 0);

    public static TheoryData<ExtensionHeader[]> Chains => new()
    {
        Array.Empty<ExtensionHeader>(),
        new[] { HopByHop },
        new[] { HopByHop, DestinationOptions, FinishedRouting, DestinationOptions },
    };

    [Theory]
    [MemberData(nameof(Chains))]
    public void A_TCP_packet_reads_back_its_addresses_and_ports_past_any_extension_headers(ExtensionHeader[] chain)
    {
        var packet = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn, 33, extensions: chain);

        Assert.True(IPPacket.TryRead(packet, out var ip, out _));
        Assert.True(TcpHeader.TryRead(ip.Payload, out var tcp, out _));

        Assert.True(ip.IsIPv6);
        Assert.Equal(IPPacket.ProtocolTcp, ip.Protocol);
        Assert.Equal(IPv6Header.Length + chain.Sum(e => e.Length), ip.HeaderLength);
        Assert.Equal(packet.Length, ip.TotalLength);
        Assert.Equal((Client, Vip), (ip.Source, ip.Destination));
        Assert.Equal((40000, 8080), (tcp.SourcePort, tcp.DestinationPort));
        Assert.True(tcp.HasValidChecksum(ip.Source, ip.Destination));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1379)]
    public void Rewriting_IPv6_addresses_and_ports_keeps_the_TCP_checksum_right(int payload)
    {
        var packet = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, payload, extensions: [HopByHop]);
        var expected = Tcp(Vip, 40001, Server1, 9090, TcpFlags.Ack, payload, extensions: [HopByHop]);
        Assert.True(IPPacket.TryRead(packet, out var ip, out _));
        Assert.True(TcpHeader.TryRead(ip.Payload, out var tcp, out _));

        var (oldSource, oldDestination) = (ip.Source, ip.Destination);
        ip.Source = Vip;
        ip.Destination = Server1;
        tcp.OnPseudoHeaderAddressChanged(oldSource, Vip);
        tcp.OnPseudoHeaderAddressChanged(oldDestination, Server1);
        tcp.SetSourcePort(40001);
        tcp.SetDestinationPort(9090);

        Assert.Equal(expected, packet);
    }

    [Fact]
    public void A_recomputed_IPv6_TCP_checksum_matches_the_reference()
    {
        var packet = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 101);
        var expected = (byte[])packet.Clone();
        Assert.True(IPPacket.TryRead(packet, out var ip, out _));
        Assert.True(TcpHeader.TryRead(ip.Payload, out var tcp, out _));
        BinaryPrimitives.WriteUInt16BigEndian(ip.Payload[16..], 0x1234);

        Assert.False(tcp.HasValidChecksum(ip.Source, ip.Destination));
        tcp.RecomputeChecksum(ip.Source, ip.Destination);

        Assert.Equal(expected, packet);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_fragment_header_makes_the_packet_a_fragment_wherever_it_is_in_the_chain(bool afterHopByHop)
    {
        ExtensionHeader fragment = new(IPv6ExtensionHeaders.Fragment);
        var packet = Tcp(Client, 40000, Vip, 8080, extensions: afterHopByHop ? [HopByHop, fragment] : [fragment]);

        Assert.False(IPPacket.TryRead(packet, out _, out var reason));
        Assert.Equal(DropReason.Fragment, reason);
    }

    [Fact]
    public void A_routing_header_with_segments_left_is_not_for_this_destination()
    {
        var packet = Tcp(Client, 40000, Vip, 8080, extensions: [new ExtensionHeader(IPv6ExtensionHeaders.Routing, 24, SegmentsLeft: 1)]);

        Assert.False(IPPacket.TryRead(packet, out _, out var reason));
        Assert.Equal(DropReason.RoutingHeader, reason);
    }

    public static TheoryData<string, Func<byte[]>> MalformedChains => new()
    {
        { "hop-by-hop options after another header", () => Tcp(Client, 40000, Vip, 8080, extensions: [DestinationOptions, HopByHop]) },
        { "more extension headers than the limit", () => Tcp(Client, 40000, Vip, 8080, extensions: [.. Enumerable.Repeat(DestinationOptions, IPv6ExtensionHeaders.MaxHeaders + 1)]) },
        { "a header longer than the payload", () => Lengthen(Tcp(Client, 40000, Vip, 8080, extensions: [DestinationOptions]), IPv6Header.Length + 1, 200) },
        { "a chain that ends inside a header", () => Resize(Tcp(Client, 40000, Vip, 8080, extensions: [DestinationOptions])[..(IPv6Header.Length + 12)]) },
    };

    [Theory]
    [MemberData(nameof(MalformedChains))]
    public void A_malformed_extension_header_chain_is_counted_as_such(string what, Func<byte[]> build)
    {
        Assert.False(IPPacket.TryRead(build(), out _, out var reason), what);
        Assert.Equal(DropReason.MalformedExtensionHeader, reason);
    }

    [Theory]
    [InlineData("::ffff:198.18.0.10", "2001:2::2", DropReason.MalformedIPv6)]
    [InlineData("2001:2::a", "::ffff:198.18.0.2", DropReason.MalformedIPv6)]
    public void An_IPv4_mapped_address_on_the_wire_is_malformed(string source, string destination, DropReason expected)
    {
        var packet = Tcp(Client, 40000, Vip, 8080);
        Address(source).WriteTo(packet.AsSpan(8));
        Address(destination).WriteTo(packet.AsSpan(24));

        Assert.False(IPPacket.TryRead(packet, out _, out var reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Lengths_that_lie_are_refused_and_padding_is_ignored()
    {
        var packet = Tcp(Client, 40000, Vip, 8080, payloadLength: 10);
        var jumbo = (byte[])packet.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(jumbo.AsSpan(4), 0);
        var padded = packet.Concat(new byte[6]).ToArray();

        Assert.False(IPPacket.TryRead(packet[..^1], out _, out var reason));
        Assert.Equal(DropReason.Truncated, reason);
        Assert.False(IPPacket.TryRead(jumbo, out _, out reason));
        Assert.Equal(DropReason.Oversized, reason);
        Assert.True(IPPacket.TryRead(padded, out var ip, out _));
        Assert.Equal(packet.Length, ip.TotalLength);
    }

    [Fact]
    public void An_IPv6_super_packet_is_cut_into_segments_that_fit_the_MTU_with_their_extension_headers_and_valid_checksums()
    {
        const int Mtu = 1280;
        var packet = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack | TcpFlags.Psh, 4000, extensions: [DestinationOptions]);
        var headers = IPv6Header.Length + DestinationOptions.Length + 20;
        var segment = new byte[Mtu];
        var offset = 0;
        var data = new List<byte>();

        while (TcpSegmenter.Next(packet, Mtu, ref offset, segment, out var length))
        {
            var copy = segment[..length];
            Assert.True(length <= Mtu);
            Assert.Equal(length - IPv6Header.Length, BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(4)));
            Assert.Equal(IPv6ExtensionHeaders.DestinationOptions, copy[6]);
            Assert.True(ChecksumValid(copy));
            data.AddRange(copy[headers..]);
        }

        Assert.Equal(packet[headers..], data.ToArray());
    }

    private static byte[] Lengthen(byte[] packet, int offset, byte value)
    {
        packet[offset] = value;
        return packet;
    }

    private static byte[] Resize(byte[] packet)
    {
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - IPv6Header.Length));
        return packet;
    }
}
