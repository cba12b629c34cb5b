using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using static Convey.RawPacket.Tests.Packets.TestPackets;

namespace Convey.RawPacket.Tests.Engine;

public class PacketFilterTests
{
    private static readonly Convey.RawPacket.Interop.SocketFilterInstruction[] Program =
        PacketFilter.Build([(V4(Vip), 8080), (V4(Vip), 5201), (V4(0xC6120064), 8080)], [V4(Vip)]);

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
}
