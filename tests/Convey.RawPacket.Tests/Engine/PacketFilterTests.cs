using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tests.Packets;
using static Convey.RawPacket.Tests.Packets.TestPackets;
using V6 = Convey.RawPacket.Tests.Packets.TestPackets6;

namespace Convey.RawPacket.Tests.Engine;

public class PacketFilterTests
{
    private static readonly Convey.RawPacket.Interop.SocketFilterInstruction[] Program =
        PacketFilter.Build([(V4(Vip), 8080), (V4(Vip), 5201), (V4(0xC6120064), 8080), (V6.Vip, 8080), (V6.Address("2001:2::100"), 8080)], [V4(Vip), V6.Vip]);

    private static PacketAddress V4(uint address) => PacketAddress.FromIPv4(address);

    [Theory]
    [InlineData(Vip, 8080, true)]
    [InlineData(Vip, 5201, true)]
    [InlineData(0xC6120064u, 8080, true)]
    [InlineData(Vip, 22, false)]
    [InlineData(0xC6120064u, 40000, false)]
    [InlineData(Vip, 32768, true)]
    [InlineData(Vip, 61000, true)]
    [InlineData(Vip, 61001, false)]
    [InlineData(Vip, 32767, false)]
    [InlineData(Server1, 8080, false)]
    public void The_kernel_filter_passes_frontend_ports_and_nat_replies_only(uint destination, int port, bool expected)
    {
        var packet = Tcp(Client, 40000, destination, (ushort)port, TcpFlags.Syn, 0, 8);

        Assert.Equal(expected, PacketFilter.Accepts(Program, packet));
    }

    [Fact]
    public void The_kernel_filter_refuses_other_protocols_and_later_fragments()
    {
        var udp = Tcp(Client, 40000, Vip, 8080);
        udp[9] = 17;
        var fragment = Tcp(Client, 40000, Vip, 8080);
        fragment[7] = 10;

        Assert.False(PacketFilter.Accepts(Program, udp));
        Assert.False(PacketFilter.Accepts(Program, fragment));
    }

    [Theory]
    [InlineData("2001:2::2", 8080, true)]
    [InlineData("2001:2::100", 8080, true)]
    [InlineData("2001:2::2", 22, false)]
    [InlineData("2001:2::2", 32768, true)]
    [InlineData("2001:2::2", 61000, true)]
    [InlineData("2001:2::2", 61001, false)]
    [InlineData("2001:2::100", 40000, false)]
    [InlineData("2001:2::1:b", 8080, false)]
    [InlineData("2001:2::c612:2", 8080, false)]
    public void The_kernel_filter_passes_IPv6_frontend_ports_and_nat_replies_only(string destination, int port, bool expected)
    {
        var packet = V6.Tcp(V6.Client, 40000, V6.Address(destination), (ushort)port, TcpFlags.Syn);

        Assert.Equal(expected, PacketFilter.Accepts(Program, packet));
    }

    [Fact]
    public void The_kernel_filter_passes_IPv6_packets_with_extension_headers_to_a_served_address_for_the_pipeline_to_walk()
    {
        ExtensionHeader[] chain = [new(IPv6ExtensionHeaders.HopByHop)];

        Assert.True(PacketFilter.Accepts(Program, V6.Tcp(V6.Client, 40000, V6.Vip, 8080, extensions: chain)));
        Assert.False(PacketFilter.Accepts(Program, V6.Tcp(V6.Client, 40000, V6.Server1, 8080, extensions: chain)));
    }

    [Fact]
    public void The_kernel_filter_passes_ICMP_errors_to_served_addresses_and_leaves_other_ICMP_to_the_kernel()
    {
        var quoted6 = V6.Tcp(V6.Vip, 8080, V6.Client, 40000);
        var quoted4 = Tcp(Vip, 8080, Client, 40000);
        var echo = V6.IcmpError(V6.Router, V6.Vip, 2, quoted6);
        echo[IPv6Header.Length] = 128;
        var solicitation = V6.IcmpError(V6.Router, V6.Vip, 2, quoted6);
        solicitation[IPv6Header.Length] = 135;
        var echo4 = IcmpError(Server1, Vip, 0, quoted4);
        echo4[20] = 8;

        Assert.True(PacketFilter.Accepts(Program, V6.IcmpError(V6.Router, V6.Vip, 2, quoted6)));
        Assert.True(PacketFilter.Accepts(Program, V6.IcmpError(V6.Router, V6.Vip, 1, quoted6)));
        Assert.True(PacketFilter.Accepts(Program, IcmpError(Server1, Vip, 4, quoted4)));
        Assert.False(PacketFilter.Accepts(Program, V6.IcmpError(V6.Router, V6.Server1, 2, quoted6)));
        Assert.False(PacketFilter.Accepts(Program, IcmpError(Server1, Server2, 4, quoted4)));
        Assert.False(PacketFilter.Accepts(Program, echo));
        Assert.False(PacketFilter.Accepts(Program, solicitation));
        Assert.False(PacketFilter.Accepts(Program, echo4));
    }

    [Fact]
    public void Too_many_ports_on_one_address_are_refused_with_a_message_saying_why()
    {
        var ports = Enumerable.Range(1, 300).Select(p => (V6.Vip, (ushort)p));

        var error = Assert.Throws<InvalidOperationException>(() => PacketFilter.Build(ports, []));

        Assert.Contains("serve fewer ports on one address", error.Message, StringComparison.Ordinal);
    }
}
