using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tracking;
using Convey.RawPacket.Tests.Packets;
using static Convey.RawPacket.Tests.Packets.TestPackets6;

namespace Convey.RawPacket.Tests.Engine;

/// <summary>Passthrough and DSR for an IPv6 frontend [2001:2::2]:8080 with servers [2001:2::1:b] and [2001:2::1:c].</summary>
public class PacketPipelineIPv6Tests
{
    internal const string Listen = "[2001:2::2]:8080";

    [Fact]
    public void Passthrough_translates_an_IPv6_client_packet_and_maps_the_reply_back()
    {
        using var lab = new PipelineFixture("passthrough", listen: Listen);
        var syn = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn, 20);

        var action = lab.Process(syn);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        var (source, natPort, server, serverPort) = Addresses(syn);
        Assert.Equal(Vip, source);
        Assert.InRange(natPort, NatPortAllocator.FirstPort, NatPortAllocator.LastPort);
        Assert.True(server == Server1 || server == Server2);
        Assert.Equal(8080, serverPort);
        Assert.Equal(server, action.Destination);
        Assert.Equal(syn.Length, action.Length);
        Assert.True(ChecksumValid(syn));

        var synAck = Tcp(server, 8080, Vip, natPort, TcpFlags.Syn | TcpFlags.Ack, 20);
        action = lab.Process(synAck);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal((Vip, (ushort)8080, Client, (ushort)40000), Addresses(synAck));
        Assert.Equal(Client, action.Destination);
        Assert.True(ChecksumValid(synAck));
        Assert.Equal(1, lab.Frontend.ActiveConnections);
    }

    [Fact]
    public void Passthrough_keeps_extension_headers_and_the_checksum_right_when_the_kernel_left_it_unfinished()
    {
        using var lab = new PipelineFixture("passthrough", listen: Listen);
        lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn));
        ExtensionHeader[] chain = [new(IPv6ExtensionHeaders.HopByHop), new(IPv6ExtensionHeaders.DestinationOptions, 16)];
        var segment = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 700, extensions: chain);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(IPv6Header.Length + 24 + 16), 0xBEEF);

        Assert.Equal(PacketActionKind.SendRouted, lab.Process(segment, checksumNotReady: true).Kind);

        Assert.Equal(IPv6ExtensionHeaders.HopByHop, segment[6]);
        Assert.Equal(Vip, Addresses(segment).Source);
        Assert.True(ChecksumValid(segment));
    }

    [Fact]
    public void Passthrough_answers_a_mid_flow_IPv6_segment_of_a_flow_it_does_not_know_with_a_reset_to_the_client()
    {
        using var lab = new PipelineFixture("passthrough", listen: Listen);
        ExtensionHeader[] chain = [new(IPv6ExtensionHeaders.DestinationOptions, 16)];
        var segment = Tcp(Client, 40000, Vip, 8080, TcpFlags.Psh | TcpFlags.Fin, 100, sequence: 1000, extensions: chain);

        var action = lab.Process(segment);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal(Client, action.Destination);
        Assert.Equal(TcpReset.IPv6Length, action.Length);
        var reset = segment.AsSpan(0, action.Length).ToArray();
        Assert.Equal((Vip, (ushort)8080, Client, (ushort)40000), Addresses(reset));
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, (TcpFlags)reset[IPv6Header.Length + 13]);
        Assert.Equal(1101u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(reset.AsSpan(IPv6Header.Length + 8)));
        Assert.True(ChecksumValid(reset));
        Assert.Equal(0, lab.Tracker.Count);
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.UntrackedSegment));
    }

    [Fact]
    public void Dsr_l3_rewrites_only_the_IPv6_destination_so_the_server_sees_the_clients_address()
    {
        using var lab = new PipelineFixture("dsr", listen: Listen, servers: [("b1", "[2001:2::1:b]:9090", 1)]);
        var syn = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn);

        var action = lab.Process(syn);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal((Client, (ushort)40000, Server1, (ushort)9090), Addresses(syn));
        Assert.Equal(Server1, action.Destination);
        Assert.True(ChecksumValid(syn));
    }

    [Fact]
    public void Dsr_l2_sends_an_IPv6_packet_unchanged_to_the_servers_mac_from_the_IPv6_neighbour_table()
    {
        var neighbours = new NeighbourTable("/nonexistent", () => new() { [Server1] = 0x0200_C612_010BUL });
        neighbours.Want(Server1);
        neighbours.Refresh();
        using var lab = new PipelineFixture("dsr", "l2", neighbours: neighbours, listen: Listen, servers: [("b1", "[2001:2::1:b]:8080", 1)]);
        var packet = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn, 10);
        var original = (byte[])packet.Clone();

        var action = lab.Process(packet);

        Assert.Equal(PacketActionKind.SendToHardwareAddress, action.Kind);
        Assert.Equal(0x0200_C612_010BUL, action.HardwareAddress);
        Assert.Equal(Vip, action.Destination);
        Assert.Equal(original, packet);
    }

    [Fact]
    public void An_IPv6_flow_and_an_IPv4_flow_with_the_same_low_address_bits_are_two_flows()
    {
        using var lab = new PipelineFixture("passthrough", listen: Listen);
        var v4Like = Address("::c612:a");

        lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn));
        lab.Process(Tcp(v4Like, 40000, Vip, 8080, TcpFlags.Syn));

        Assert.Equal(2, lab.Tracker.Count);
        Assert.Equal(PacketActionKind.Drop, lab.Process(TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080, TcpFlags.Syn)).Kind);
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.NoFrontend));
    }

    [Fact]
    public void Maglev_sends_an_IPv6_flow_it_does_not_know_to_the_server_its_5_tuple_hashes_to()
    {
        (string, string, int)[] servers = [("b1", "[2001:2::1:b]:8080", 1), ("b2", "[2001:2::1:c]:8080", 1), ("b3", "[2001:2::1:d]:8080", 1)];
        var ports = Enumerable.Range(40000, 48).Select(p => (ushort)p).ToArray();
        using var before = new PipelineFixture("dsr", balance: "maglev", listen: Listen, servers: servers);
        var opened = ports.ToDictionary(port => port, port =>
        {
            var syn = Tcp(Client, port, Vip, 8080, TcpFlags.Syn);
            before.Process(syn);
            return Addresses(syn).Destination;
        });

        using var after = new PipelineFixture("dsr", balance: "maglev", listen: Listen, servers: servers);
        foreach (var port in ports.Reverse())
        {
            var segment = Tcp(Client, port, Vip, 8080, TcpFlags.Ack, 100);
            Assert.Equal(PacketActionKind.SendRouted, after.Process(segment).Kind);
            Assert.Equal(opened[port], Addresses(segment).Destination);
        }

        Assert.True(opened.Values.Distinct().Count() > 1, "the flows spread over several servers, so matching is not luck");
    }
}
