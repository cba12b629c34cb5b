using System.Buffers.Binary;
using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tests.Packets;
using V4 = Convey.RawPacket.Tests.Packets.TestPackets;
using V6 = Convey.RawPacket.Tests.Packets.TestPackets6;

namespace Convey.RawPacket.Tests.Engine;

/// <summary>
/// ICMP errors about a tracked flow (packet too big, fragmentation needed, unreachable) reach the side that sent the packet
/// they quote, quoting it as that side sent it; every other ICMP message is left to the kernel.
/// </summary>
public class PacketPipelineIcmpTests
{
    private const byte PacketTooBig = 2;
    private const byte Unreachable = 1;

    [Fact]
    public void Passthrough_relays_a_packet_too_big_about_a_reply_to_the_server_quoting_what_the_server_sent()
    {
        using var lab = new PipelineFixture("passthrough", listen: PacketPipelineIPv6Tests.Listen);
        var (server, natPort) = OpenIPv6(lab);
        var reply = V6.Tcp(server, 8080, V6.Vip, natPort, TcpFlags.Ack, 1400);
        lab.Process(reply); // now V6.Vip:8080 -> V6.Client:40000, as the router saw it
        var error = V6.IcmpError(V6.Router, V6.Vip, PacketTooBig, reply, mtu: 1280);

        var action = lab.Process(error);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal(server, action.Destination);
        Assert.Equal((V6.Router, server), Outer(error));
        Assert.Equal((server, (ushort)8080, V6.Vip, natPort), Quoted(error, IPv6Header.Length));
        Assert.Equal(1280u, BinaryPrimitives.ReadUInt32BigEndian(error.AsSpan(IPv6Header.Length + 4)));
        Assert.True(V6.ChecksumValid(error));
        Assert.True(QuotedTcpChecksumValid(error, IPv6Header.Length));
    }

    [Fact]
    public void Passthrough_relays_a_packet_too_big_about_a_forwarded_client_packet_to_the_client_quoting_what_the_client_sent()
    {
        using var lab = new PipelineFixture("passthrough", listen: PacketPipelineIPv6Tests.Listen);
        var segment = V6.Tcp(V6.Client, 40000, V6.Vip, 8080, TcpFlags.Syn);
        lab.Process(segment); // now V6.Vip:natport -> server:8080
        var error = V6.IcmpError(V6.Router, V6.Vip, PacketTooBig, segment);

        var action = lab.Process(error);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal(V6.Client, action.Destination);
        Assert.Equal((V6.Client, (ushort)40000, V6.Vip, (ushort)8080), Quoted(error, IPv6Header.Length));
        Assert.True(V6.ChecksumValid(error));
    }

    [Fact]
    public void Passthrough_relays_an_IPv4_fragmentation_needed_to_the_server_with_the_quoted_header_checksum_right()
    {
        using var lab = new PipelineFixture("passthrough");
        var syn = V4.Tcp(V4.Client, 40000, V4.Vip, 8080, TcpFlags.Syn);
        lab.Process(syn);
        var (_, natPort, serverNumber, _) = PipelineFixture.Addresses(syn);
        var server = PacketAddress.FromIPv4(serverNumber);
        var reply = V4.Tcp(serverNumber, 8080, V4.Vip, natPort, TcpFlags.Ack, 1400);
        lab.Process(reply);
        var error = V4.IcmpError(0xC61200FE, V4.Vip, 4, reply);

        var action = lab.Process(error);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal(server, action.Destination);
        Assert.Equal((server, (ushort)8080, PacketAddress.FromIPv4(V4.Vip), natPort), Quoted(error, 20));
        Assert.True(IPPacket.TryRead(error, out _, out _), "the outer header checksum is right");
        Assert.Equal(0, InternetChecksum.Compute(error.AsSpan(28, 20)));
        Assert.Equal(0, InternetChecksum.Compute(error.AsSpan(20)));
    }

    [Fact]
    public void Dsr_l3_relays_a_packet_too_big_to_the_server_quoting_its_own_address_and_port()
    {
        using var lab = new PipelineFixture("dsr", listen: PacketPipelineIPv6Tests.Listen, servers: [("b1", "[2001:2::1:b]:9090", 1)]);
        lab.Process(V6.Tcp(V6.Client, 40000, V6.Vip, 8080, TcpFlags.Syn));
        var reply = V6.Tcp(V6.Vip, 8080, V6.Client, 40000, TcpFlags.Ack, 1400); // the server's reply after its egress rewrite
        var error = V6.IcmpError(V6.Router, V6.Vip, PacketTooBig, reply);

        var action = lab.Process(error);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal(V6.Server1, action.Destination);
        Assert.Equal((V6.Server1, (ushort)9090, V6.Client, (ushort)40000), Quoted(error, IPv6Header.Length));
        Assert.True(V6.ChecksumValid(error));
    }

    [Fact]
    public void Dsr_l2_forwards_a_packet_too_big_unchanged_to_the_servers_mac()
    {
        var neighbours = new NeighbourTable("/nonexistent", () => new() { [V6.Server1] = 0x0200_C612_010BUL });
        neighbours.Want(V6.Server1);
        neighbours.Refresh();
        using var lab = new PipelineFixture("dsr", "l2", neighbours: neighbours, listen: PacketPipelineIPv6Tests.Listen, servers: [("b1", "[2001:2::1:b]:8080", 1)]);
        lab.Process(V6.Tcp(V6.Client, 40000, V6.Vip, 8080, TcpFlags.Syn));
        var error = V6.IcmpError(V6.Router, V6.Vip, PacketTooBig, V6.Tcp(V6.Vip, 8080, V6.Client, 40000, TcpFlags.Ack, 1400));
        var original = (byte[])error.Clone();

        var action = lab.Process(error);

        Assert.Equal(PacketActionKind.SendToHardwareAddress, action.Kind);
        Assert.Equal(0x0200_C612_010BUL, action.HardwareAddress);
        Assert.Equal(original, error);
    }

    [Fact]
    public void An_unreachable_about_a_flow_is_relayed_like_a_packet_too_big()
    {
        using var lab = new PipelineFixture("passthrough", listen: PacketPipelineIPv6Tests.Listen);
        var (server, natPort) = OpenIPv6(lab);
        var reply = V6.Tcp(server, 8080, V6.Vip, natPort, TcpFlags.Ack, 10);
        lab.Process(reply);

        Assert.Equal(PacketActionKind.SendRouted, lab.Process(V6.IcmpError(V6.Router, V6.Vip, Unreachable, reply)).Kind);
    }

    public static TheoryData<string, Func<byte[]>, DropReason> NotRelayed => new()
    {
        { "neighbour solicitation", () => Message(135), DropReason.IcmpNotRelayed },
        { "echo request", () => Message(128), DropReason.IcmpNotRelayed },
        { "an error about a flow nobody tracks", () => V6.IcmpError(V6.Router, V6.Vip, PacketTooBig, V6.Tcp(V6.Vip, 8080, V6.Client, 41000)), DropReason.IcmpNotRelayed },
        { "an error about UDP", () => V6.IcmpError(V6.Router, V6.Vip, PacketTooBig, Udp(V6.Tcp(V6.Vip, 8080, V6.Client, 40000))), DropReason.IcmpNotRelayed },
        { "a bad checksum", () => Corrupt(V6.IcmpError(V6.Router, V6.Vip, PacketTooBig, V6.Tcp(V6.Vip, 8080, V6.Client, 40000))), DropReason.MalformedIcmp },
        { "a quote too short for the ports", () => V6.IcmpError(V6.Router, V6.Vip, PacketTooBig, V6.Tcp(V6.Vip, 8080, V6.Client, 40000), quotedLength: 43), DropReason.MalformedIcmp },
        { "an ICMPv4 message in IPv6", () => V6.IcmpError(V6.Router, V6.Vip, PacketTooBig, V4.Tcp(V4.Vip, 8080, V4.Client, 40000)), DropReason.MalformedIcmp },
    };

    [Theory]
    [MemberData(nameof(NotRelayed))]
    public void Other_ICMP_messages_are_left_to_the_kernel_and_counted(string what, Func<byte[]> build, DropReason reason)
    {
        using var lab = new PipelineFixture("passthrough", listen: PacketPipelineIPv6Tests.Listen);
        lab.Process(V6.Tcp(V6.Client, 40000, V6.Vip, 8080, TcpFlags.Syn));

        Assert.Equal(PacketActionKind.Drop, lab.Process(build()).Kind);
        Assert.True(lab.Counters.DroppedFor(reason) == 1, what);
    }

    private static (PacketAddress Server, ushort NatPort) OpenIPv6(PipelineFixture lab)
    {
        var syn = V6.Tcp(V6.Client, 40000, V6.Vip, 8080, TcpFlags.Syn);
        lab.Process(syn);
        var (_, natPort, server, _) = V6.Addresses(syn);
        return (server, natPort);
    }

    private static (PacketAddress Source, PacketAddress Destination) Outer(byte[] packet)
    {
        Assert.True(IPPacket.TryRead(packet, out var ip, out _));
        return (ip.Source, ip.Destination);
    }

    private static (PacketAddress Source, ushort SourcePort, PacketAddress Destination, ushort DestinationPort) Quoted(byte[] packet, int outerHeader)
    {
        var quoted = packet.AsSpan(outerHeader + 8);
        Assert.True(IPPacket.TryReadQuoted(quoted, quoted[0] >> 4 == 6, 8, out var ip));
        return (ip.Source, BinaryPrimitives.ReadUInt16BigEndian(ip.Payload), ip.Destination, BinaryPrimitives.ReadUInt16BigEndian(ip.Payload[2..]));
    }

    private static bool QuotedTcpChecksumValid(byte[] packet, int outerHeader) =>
        V6.ChecksumValid(packet[(outerHeader + 8)..]);

    /// <summary>An ICMPv6 message of <paramref name="type"/> with 24 bytes of body (enough for neighbour discovery).</summary>
    private static byte[] Message(byte type)
    {
        var packet = V6.IcmpError(V6.Router, V6.Vip, PacketTooBig, new byte[16], 16);
        packet[IPv6Header.Length] = type;
        return Recompute(packet);
    }

    private static byte[] Udp(byte[] packet)
    {
        packet[6] = 17;
        return packet;
    }

    private static byte[] Corrupt(byte[] packet)
    {
        packet[^1] ^= 0xFF;
        return packet;
    }

    private static byte[] Recompute(byte[] packet)
    {
        Assert.True(IPPacket.TryRead(packet, out var ip, out _));
        var message = ip.Payload;
        message[2] = message[3] = 0;
        var sum = InternetChecksum.SumOfWords(ip.Source.ToUInt128()) + InternetChecksum.SumOfWords(ip.Destination.ToUInt128()) + (uint)message.Length + IPPacket.ProtocolIcmpV6;
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], (ushort)~InternetChecksum.Fold(InternetChecksum.Add(sum, message)));
        return packet;
    }
}
