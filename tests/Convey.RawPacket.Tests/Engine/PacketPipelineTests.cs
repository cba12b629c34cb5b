using Convey.Configuration;
using Convey.Forwarding;
using Convey.Health;
using Convey.Metrics;
using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tracking;
using Convey.RawPacket.Tests.Packets;
using Convey.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using static Convey.RawPacket.Tests.Packets.TestPackets;

namespace Convey.RawPacket.Tests.Engine;

public class PacketPipelineTests
{
    [Fact]
    public void Passthrough_translates_the_client_packet_and_maps_the_reply_back()
    {
        using var lab = new PipelineFixture("passthrough");
        var syn = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn, 0, 0, 20);

        var action = lab.Process(syn);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        var (source, natPort, server, serverPort) = PipelineFixture.Addresses(syn);
        Assert.Equal(Vip, source);
        Assert.InRange(natPort, NatPortAllocator.FirstPort, NatPortAllocator.LastPort);
        Assert.True(server is Server1 or Server2);
        Assert.Equal(8080, serverPort);
        Assert.Equal(PacketAddress.FromIPv4(server), action.Destination);
        Assert.True(PipelineFixture.ChecksumsValid(syn));

        var synAck = Tcp(server, 8080, Vip, natPort, TcpFlags.Syn | TcpFlags.Ack, 0, 0, 20);
        action = lab.Process(synAck);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal((Vip, (ushort)8080, Client, (ushort)40000), PipelineFixture.Addresses(synAck));
        Assert.Equal(PacketAddress.FromIPv4(Client), action.Destination);
        Assert.True(PipelineFixture.ChecksumsValid(synAck));
        Assert.Equal(1, lab.Frontend.ActiveConnections);
    }

    [Fact]
    public void Forwarded_bytes_reach_frontend_and_server_counters_at_each_stats_update_with_tx_toward_the_server()
    {
        using var lab = new PipelineFixture("passthrough");
        lab.Pipeline.StatsUpdateFrequency = TimeSpan.FromSeconds(3);
        lab.Tally.PublishIfDue(lab.Time, lab.Pipeline.StatsUpdateFrequency);
        var syn = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn, 0, 0, 20);
        lab.Process(syn);
        var (_, natPort, address, _) = PipelineFixture.Addresses(syn);
        var server = lab.Frontend.Pool.Servers.Single(s => s.ActiveConnections == 1);
        var request = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 1000);
        var reply = Tcp(address, 8080, Vip, natPort, TcpFlags.Ack, 3000);
        lab.Process(request);
        lab.Process(reply);

        lab.Time.Advance(TimeSpan.FromSeconds(2));
        lab.Tally.PublishIfDue(lab.Time, lab.Pipeline.StatsUpdateFrequency);
        Assert.Equal(0, lab.Frontend.BytesToServer);
        Assert.Equal(0, server.BytesToClient);

        lab.Time.Advance(TimeSpan.FromSeconds(1));
        lab.Tally.PublishIfDue(lab.Time, lab.Pipeline.StatsUpdateFrequency);
        Assert.Equal(syn.Length + request.Length, lab.Frontend.BytesToServer);
        Assert.Equal(syn.Length + request.Length, server.BytesToServer);
        Assert.Equal(reply.Length, server.BytesToClient);
        Assert.Equal(reply.Length, lab.Frontend.BytesToClient);

        lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 1000));
        lab.Tally.Publish();
        Assert.Equal(syn.Length + 2 * request.Length, lab.Frontend.BytesToServer);
    }

    [Fact]
    public void A_partial_checksum_is_completed_rather_than_updated()
    {
        using var lab = new PipelineFixture("passthrough");
        var packet = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn, 101);
        packet[20 + 16] = 0xAB; // CHECKSUM_PARTIAL: only the pseudo-header sum is there
        packet[20 + 17] = 0xCD;

        lab.Process(packet, checksumNotReady: true);

        Assert.True(PipelineFixture.ChecksumsValid(packet));
    }

    [Fact]
    public void Dsr_l3_rewrites_only_the_destination()
    {
        using var lab = new PipelineFixture("dsr", "l3", servers: [("b1", "198.18.1.11:9090", 1)]);
        var packet = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn, 10);

        var action = lab.Process(packet);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal((Client, (ushort)40000, Server1, (ushort)9090), PipelineFixture.Addresses(packet));
        Assert.True(PipelineFixture.ChecksumsValid(packet));
    }

    [Fact]
    public void Dsr_sends_a_mid_flow_segment_of_a_flow_it_does_not_know_to_the_server_the_flow_hashes_to_and_tracks_it()
    {
        (string, string, int)[] servers = [("b1", "198.18.1.11:8080", 1), ("b2", "198.18.1.12:8080", 1), ("b3", "198.18.1.13:8080", 1), ("b4", "198.18.1.14:8080", 1)];
        var ports = Enumerable.Range(40000, 64).Select(p => (ushort)p).ToArray();
        using var before = new PipelineFixture("dsr", balance: "maglev", servers: servers);
        var opened = ports.ToDictionary(port => port, port =>
        {
            var syn = Tcp(Client, port, Vip, 8080, TcpFlags.Syn);
            Assert.Equal(PacketActionKind.SendRouted, before.Process(syn).Kind);
            return PipelineFixture.Addresses(syn).Destination;
        });

        // A fresh pipeline is the balancer after a restart (or another instance): it knows none of these flows. Their
        // next segments, in another order, still reach the server each flow's 5-tuple hashes to.
        using var after = new PipelineFixture("dsr", balance: "maglev", servers: servers);
        foreach (var port in ports.Reverse())
        {
            var segment = Tcp(Client, port, Vip, 8080, TcpFlags.Ack, 100);

            Assert.Equal(PacketActionKind.SendRouted, after.Process(segment).Kind);
            Assert.Equal(opened[port], PipelineFixture.Addresses(segment).Destination);
        }

        Assert.Equal(ports.Length, after.Tracker.Count);
        Assert.True(opened.Values.Distinct().Count() > 1, "the flows spread over several servers, so matching is not luck");
    }

    [Fact]
    public void Dsr_l2_leaves_the_packet_alone_and_sends_it_to_the_servers_mac()
    {
        var arp = Path.GetTempFileName();
        File.WriteAllText(arp, """
            IP address       HW type     Flags       HW address            Mask     Device
            198.18.1.11      0x1         0x2         02:00:c6:12:01:0b     *        eth0
            """);
        try
        {
            var neighbours = new NeighbourTable(arp);
            neighbours.Want(PacketAddress.FromIPv4(Server1));
            neighbours.Refresh();
            using var lab = new PipelineFixture("dsr", "l2", neighbours: neighbours, servers: [("b1", "198.18.1.11:8080", 1)]);
            var packet = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn, 10);
            var original = (byte[])packet.Clone();

            var action = lab.Process(packet);

            Assert.Equal(PacketActionKind.SendToHardwareAddress, action.Kind);
            Assert.Equal(0x0200_C612_010BUL, action.HardwareAddress);
            Assert.Equal(original, packet);
        }
        finally
        {
            File.Delete(arp);
        }
    }

    [Fact]
    public void Dsr_l2_drops_until_the_servers_mac_is_known()
    {
        using var lab = new PipelineFixture("dsr", "l2");

        Assert.Equal(PacketActionKind.Drop, lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn)).Kind);
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.NeighbourUnresolved));
    }

    [Fact]
    public void Packets_of_one_flow_stay_on_one_server()
    {
        using var lab = new PipelineFixture("dsr");
        var first = lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn)).Destination;

        for (var i = 0; i < 10; i++)
        {
            lab.Process(Tcp(Client, (ushort)(40001 + i), Vip, 8080, TcpFlags.Syn)); // other flows move the round-robin on
            Assert.Equal(first, lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 100)).Destination);
        }
    }

    [Fact]
    public void New_flows_follow_the_weights()
    {
        using var lab = new PipelineFixture("passthrough", servers: [("b1", "198.18.1.11:8080", 3), ("b2", "198.18.1.12:8080", 1)]);
        var toFirst = 0;
        for (var i = 0; i < 400; i++)
        {
            if (lab.Process(Tcp(Client, (ushort)(10000 + i), Vip, 8080, TcpFlags.Syn)).Destination == PacketAddress.FromIPv4(Server1))
            {
                toFirst++;
            }
        }

        Assert.InRange(toFirst, 280, 320);
    }

    [Fact]
    public void A_flow_whose_server_failed_health_moves_to_a_healthy_server()
    {
        using var lab = new PipelineFixture("dsr");
        var first = lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn)).Destination;
        var failed = lab.Snapshot.Pools["pool"].Servers.Single(s => s.Address.Address.ToString() == (first == PacketAddress.FromIPv4(Server1) ? "198.18.1.11" : "198.18.1.12"));
        failed.SetHealthy(false);

        var moved = lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 10)).Destination;

        Assert.NotEqual(first, moved);
        Assert.Equal(0, failed.ActiveConnections);
    }

    [Fact]
    public void Flow_counters_follow_flows_from_open_to_reset()
    {
        using var lab = new PipelineFixture("passthrough");
        var syn = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn);
        lab.Process(syn);
        var (_, natPort, server, _) = PipelineFixture.Addresses(syn);
        Assert.Equal(1, lab.Frontend.ActiveConnections);

        lab.Process(Tcp(server, 8080, Vip, natPort, TcpFlags.Rst));

        Assert.Equal(0, lab.Frontend.ActiveConnections);
        Assert.Equal(1, lab.Frontend.TotalConnections);
        Assert.Equal(0, lab.Tracker.OpenCount);
        lab.Time.Advance(ConnectionTracker.ClosingLinger + TimeSpan.FromSeconds(1));
        Assert.Equal(0, lab.Tracker.Count);
        Assert.Equal(0, lab.Frontend.ActiveConnections);
    }

    [Fact]
    public void Stray_packets_are_counted_as_dropped_by_reason()
    {
        using var lab = new PipelineFixture("passthrough");

        lab.Process(Tcp(Client, 40000, Vip, 9999, TcpFlags.Syn));
        lab.Process(Tcp(Server1, 22, Vip, 40000, TcpFlags.Ack));
        lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Rst));
        lab.Pipeline.Process(Tcp(Client, 40001, Vip, 8080, TcpFlags.Ack, 100, 0, 40), false, mtu: 64, lab.Tally);

        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.NoFrontend));
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.UnknownFlow));
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.UntrackedReset));
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.Oversized));
        Assert.Equal(4, lab.Counters.Dropped);
    }

    [Fact]
    public void A_draining_frontend_passes_established_flows_and_refuses_new_ones()
    {
        using var lab = new PipelineFixture("passthrough");
        var syn = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn);
        lab.Process(syn);
        var (_, natPort, server, _) = PipelineFixture.Addresses(syn);

        lab.Pipeline.Routes = lab.Pipeline.Routes.AsDraining();

        Assert.Equal(PacketActionKind.SendRouted, lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 10)).Kind);
        Assert.Equal(PacketActionKind.SendRouted, lab.Process(Tcp(server, 8080, Vip, natPort, TcpFlags.Ack, 10)).Kind);
        Assert.Equal(PacketActionKind.Drop, lab.Process(Tcp(Client, 40001, Vip, 8080, TcpFlags.Syn)).Kind);
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.Draining));
        Assert.Equal(1, lab.Frontend.RefusedConnections);
    }

    [Fact]
    public void A_server_refusing_the_syn_is_reported_to_passive_health_once()
    {
        using var lab = new PipelineFixture("passthrough");
        var (chosen, natPort) = Open(lab, 40000);

        lab.Process(Refusal(chosen, natPort));
        lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 10));
        lab.Process(Refusal(chosen, natPort));

        Assert.Equal(1, chosen.ConnectFailures);
    }

    [Fact]
    public void Passthrough_answers_a_mid_flow_segment_of_a_flow_it_does_not_know_with_a_reset_to_the_client_and_opens_no_flow()
    {
        using var lab = new PipelineFixture("passthrough");
        // The next segment of a connection the balancer lost (a restart): data, acknowledging what the server sent.
        var segment = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack | TcpFlags.Psh, payloadLength: 200, acknowledgment: 5_000_001);

        var action = lab.Process(segment);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal(PacketAddress.FromIPv4(Client), action.Destination);
        Assert.Equal(TcpReset.IPv4Length, action.Length);
        var reset = segment.AsSpan(0, action.Length).ToArray();
        Assert.Equal((Vip, (ushort)8080, Client, (ushort)40000), PipelineFixture.Addresses(reset));
        Assert.Equal(TcpFlags.Rst, (TcpFlags)reset[20 + 13]);
        Assert.Equal(5_000_001u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(reset.AsSpan(20 + 4)));
        Assert.True(PipelineFixture.ChecksumsValid(reset));
        Assert.Equal(0, lab.Tracker.Count);
        Assert.Equal(0, lab.Counters.FlowsCreated);
        Assert.Equal(0, lab.Frontend.TotalConnections);
        Assert.All(lab.Snapshot.Pools["pool"].Servers, s => Assert.Equal(0, s.TotalConnections));
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.UntrackedSegment));
    }

    [Fact]
    public void Stray_acks_are_answered_by_the_balancer_and_never_reach_or_count_against_a_server()
    {
        using var lab = new PipelineFixture("passthrough", servers: [("b1", "198.18.1.11:8080", 1)]);
        var server = lab.Snapshot.Pools["pool"].Servers[0];

        for (var i = 0; i < 50; i++)
        {
            var ack = Tcp(Client, (ushort)(30000 + i), Vip, 8080, TcpFlags.Ack, 0, acknowledgment: 12345);
            var action = lab.Process(ack);
            Assert.Equal(PacketAddress.FromIPv4(Client), action.Destination);
            Assert.Equal(TcpFlags.Rst, (TcpFlags)ack[20 + 13]);
        }

        Assert.Equal(0, server.ConnectFailures);
        Assert.Equal(0, server.TotalConnections);
        Assert.Equal(0, lab.Tracker.Count);
        Assert.Equal(50, lab.Counters.DroppedFor(DropReason.UntrackedSegment));
    }

    [Fact]
    public void Resets_for_untracked_segments_keep_to_reset_rate_per_second_and_the_rest_are_dropped_unanswered()
    {
        using var lab = new PipelineFixture("passthrough");
        lab.Pipeline.ResetRate = 10;

        int AnsweredOfThirty(int firstPort) =>
            Enumerable.Range(firstPort, 30).Count(port => lab.Process(Tcp(Client, (ushort)port, Vip, 8080, TcpFlags.Ack)).Kind == PacketActionKind.SendRouted);

        var first = AnsweredOfThirty(30000);
        lab.Time.Advance(TimeSpan.FromMilliseconds(500));
        var halfASecondLater = AnsweredOfThirty(31000);

        Assert.Equal(10, first);
        Assert.Equal(5, halfASecondLater);
        Assert.Equal(15, lab.Counters.DroppedFor(DropReason.UntrackedSegment));
        Assert.Equal(45, lab.Counters.DroppedFor(DropReason.ResetRateLimited));
        Assert.Equal(0, lab.Tracker.Count);
    }

    [Fact]
    public void With_reset_rate_0_untracked_segments_are_dropped_unanswered()
    {
        using var lab = new PipelineFixture("passthrough");
        lab.Pipeline.ResetRate = 0;
        var segment = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 10);
        var original = segment.ToArray();

        Assert.Equal(PacketActionKind.Drop, lab.Process(segment).Kind);
        Assert.Equal(original, segment);
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.ResetRateLimited));
        Assert.Equal(0, lab.Tracker.Count);
    }

    [Fact]
    public void A_server_segment_to_a_nat_port_no_flow_holds_is_answered_with_a_reset_to_the_server()
    {
        using var lab = new PipelineFixture("passthrough");
        // The server's next data on a connection whose flow the balancer forgot (a restart, an idle timeout).
        var segment = Tcp(Server1, 8080, Vip, 40000, TcpFlags.Ack | TcpFlags.Psh, payloadLength: 300, acknowledgment: 7_000_001);

        var action = lab.Process(segment);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.Equal(PacketAddress.FromIPv4(Server1), action.Destination);
        var reset = segment.AsSpan(0, action.Length).ToArray();
        Assert.Equal((Vip, (ushort)40000, Server1, (ushort)8080), PipelineFixture.Addresses(reset));
        Assert.Equal(TcpFlags.Rst, (TcpFlags)reset[20 + 13]);
        Assert.Equal(7_000_001u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(reset.AsSpan(20 + 4)));
        Assert.True(PipelineFixture.ChecksumsValid(reset));
        Assert.Equal(0, lab.Tracker.Count);
        Assert.Equal(0, lab.Frontend.TotalConnections);
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.UntrackedServerSegment));
    }

    [Fact]
    public void A_server_segment_to_a_nat_port_of_a_flow_that_ended_and_was_forgotten_gets_a_reset_not_a_client()
    {
        using var lab = new PipelineFixture("passthrough");
        var syn = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn);
        lab.Process(syn);
        var (_, natPort, server, _) = PipelineFixture.Addresses(syn);
        lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Rst));
        lab.Time.Advance(ConnectionTracker.ClosingLinger + TimeSpan.FromSeconds(1));
        Assert.Equal(0, lab.Tracker.Count);

        var late = Tcp(server, 8080, Vip, natPort, TcpFlags.Ack, 20, acknowledgment: 99);
        var action = lab.Process(late);

        Assert.Equal(PacketAddress.FromIPv4(server), action.Destination);
        Assert.Equal(TcpFlags.Rst, (TcpFlags)late[20 + 13]);
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.UntrackedServerSegment));
    }

    [Fact]
    public void A_reset_from_a_server_to_a_nat_port_no_flow_holds_is_dropped_unanswered()
    {
        using var lab = new PipelineFixture("passthrough");
        var segment = Tcp(Server1, 8080, Vip, 40000, TcpFlags.Rst | TcpFlags.Ack);
        var original = segment.ToArray();

        Assert.Equal(PacketActionKind.Drop, lab.Process(segment).Kind);
        Assert.Equal(original, segment);
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.UnknownFlow));
    }

    [Fact]
    public void A_segment_to_a_nat_port_from_anyone_but_a_server_of_the_pool_is_dropped_unanswered()
    {
        using var lab = new PipelineFixture("passthrough");
        // The host's own connection from the VIP (ephemeral ports overlapping the NAT range), or stray traffic.
        var fromElsewhere = Tcp(Client, 443, Vip, 40000, TcpFlags.Ack | TcpFlags.Psh, payloadLength: 10);
        var fromAnotherPortOfTheServer = Tcp(Server1, 22, Vip, 40001, TcpFlags.Ack);

        Assert.Equal(PacketActionKind.Drop, lab.Process(fromElsewhere).Kind);
        Assert.Equal(PacketActionKind.Drop, lab.Process(fromAnotherPortOfTheServer).Kind);
        Assert.Equal(2, lab.Counters.DroppedFor(DropReason.UnknownFlow));
        Assert.Equal(0, lab.Counters.DroppedFor(DropReason.UntrackedServerSegment));
    }

    [Fact]
    public void Resets_to_servers_share_reset_rate_with_resets_to_clients()
    {
        using var lab = new PipelineFixture("passthrough");
        lab.Pipeline.ResetRate = 10;

        var toClients = Enumerable.Range(30000, 6).Count(port => lab.Process(Tcp(Client, (ushort)port, Vip, 8080, TcpFlags.Ack)).Kind == PacketActionKind.SendRouted);
        var toServers = Enumerable.Range(40000, 6).Count(port => lab.Process(Tcp(Server1, 8080, Vip, (ushort)port, TcpFlags.Ack)).Kind == PacketActionKind.SendRouted);

        Assert.Equal(6, toClients);
        Assert.Equal(4, toServers);
        Assert.Equal(4, lab.Counters.DroppedFor(DropReason.UntrackedServerSegment));
        Assert.Equal(2, lab.Counters.DroppedFor(DropReason.ResetRateLimited));
    }

    [Fact]
    public void A_passthrough_flow_whose_server_failed_health_is_reset_by_the_balancer_at_its_next_segment()
    {
        using var lab = new PipelineFixture("passthrough");
        var (chosen, _) = Open(lab, 40000);
        chosen.SetHealthy(false);

        var segment = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 10, acknowledgment: 99);
        var action = lab.Process(segment);

        Assert.Equal(PacketAddress.FromIPv4(Client), action.Destination);
        Assert.Equal(TcpFlags.Rst, (TcpFlags)segment[20 + 13]);
        Assert.Equal(0, chosen.ActiveConnections);
        Assert.Equal(1, lab.Counters.FlowsCreated);
        Assert.Equal(0, lab.Tracker.Count);
    }

    [Fact]
    public void A_syn_of_a_new_connection_still_opens_a_flow_after_untracked_segments_were_reset()
    {
        using var lab = new PipelineFixture("passthrough");
        lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 10));

        var syn = Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn);
        var action = lab.Process(syn);

        Assert.Equal(PacketActionKind.SendRouted, action.Kind);
        Assert.InRange(PipelineFixture.Addresses(syn).SourcePort, NatPortAllocator.FirstPort, NatPortAllocator.LastPort);
        Assert.Equal(1, lab.Counters.FlowsCreated);
    }

    [Fact]
    public void A_reset_after_the_syn_ack_is_not_a_connect_failure()
    {
        using var lab = new PipelineFixture("passthrough");
        var (chosen, natPort) = Open(lab, 40000);

        lab.Process(Tcp(ServerAddress(chosen), 8080, Vip, natPort, TcpFlags.Syn | TcpFlags.Ack, sequence: 5000, acknowledgment: Sequence + 1));
        lab.Process(Refusal(chosen, natPort));

        Assert.Equal(0, chosen.ConnectFailures);
    }

    [Fact]
    public void A_reset_that_does_not_acknowledge_the_syn_is_not_a_connect_failure()
    {
        using var lab = new PipelineFixture("passthrough");
        var (chosen, natPort) = Open(lab, 40000);

        lab.Process(Tcp(ServerAddress(chosen), 8080, Vip, natPort, TcpFlags.Rst | TcpFlags.Ack, acknowledgment: Sequence + 99));
        lab.Process(Tcp(ServerAddress(chosen), 8080, Vip, natPort, TcpFlags.Rst));

        Assert.Equal(0, chosen.ConnectFailures);
    }

    [Fact]
    public void Trailing_segments_after_a_reset_follow_the_closing_flow_instead_of_starting_new_ones()
    {
        using var lab = new PipelineFixture("passthrough");
        var (chosen, natPort) = Open(lab, 40000);
        lab.Process(Tcp(ServerAddress(chosen), 8080, Vip, natPort, TcpFlags.Syn | TcpFlags.Ack, acknowledgment: Sequence + 1));
        lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Rst | TcpFlags.Ack));

        for (var i = 0; i < 20; i++)
        {
            var trailing = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack | TcpFlags.Psh, 100);
            Assert.Equal(PacketActionKind.SendRouted, lab.Process(trailing).Kind);
            Assert.Equal(natPort, PipelineFixture.Addresses(trailing).SourcePort);
            lab.Process(Tcp(ServerAddress(chosen), 8080, Vip, natPort, TcpFlags.Rst));
        }

        Assert.Equal(1, lab.Counters.FlowsCreated);
        Assert.Equal(1, lab.Frontend.TotalConnections);
        Assert.Equal(0, lab.Frontend.ActiveConnections);
        Assert.Equal(0, chosen.ConnectFailures);
    }

    [Fact]
    public void A_new_syn_on_a_reset_flows_addresses_opens_a_new_flow_that_can_be_refused()
    {
        using var lab = new PipelineFixture("passthrough", servers: [("b1", "198.18.1.11:8080", 1)]);
        var (chosen, natPort) = Open(lab, 40000);
        lab.Process(Refusal(chosen, natPort));

        var (again, secondPort) = Open(lab, 40000);
        lab.Process(Refusal(again, secondPort));

        Assert.Same(chosen, again);
        Assert.Equal(2, lab.Frontend.TotalConnections);
        Assert.Equal(2, chosen.ConnectFailures);
    }

    [Fact]
    public async Task A_flood_of_refusals_counts_once_per_second_so_it_cannot_take_a_server_down_at_once()
    {
        using var lab = new PipelineFixture("passthrough", servers: [("b1", "198.18.1.11:8080", 1)]);
        var pool = lab.Snapshot.Pools["pool"];
        var server = pool.Servers[0];
        using var metrics = ConveyMetrics.CreateStandalone(TestRuntime.CreateRuntime());
        await using var monitor = new HealthMonitor(pool, new PassingProbe(), lab.Time, NullLogger.Instance, metrics, () => 0.5);
        monitor.Start();
        Eventually.True(() => server.IsHealthy, "the server passes its first probe", TimeSpan.FromSeconds(30));

        for (var i = 0; i < 1000; i++)
        {
            var (chosen, natPort) = Open(lab, (ushort)(10000 + i));
            lab.Process(Refusal(chosen, natPort));
        }

        await monitor.ReportsAppliedAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1000, server.ConnectFailures);
        Assert.True(server.IsHealthy);

        // Refusals that go on past fall × the spacing are a dead server, and it leaves selection.
        for (var second = 1; second < new HealthCheckConfig().Fall; second++)
        {
            lab.Time.Advance(HealthMonitor.PassiveReportSpacing);
            var (chosen, natPort) = Open(lab, (ushort)(20000 + second));
            lab.Process(Refusal(chosen, natPort));
        }

        await monitor.ReportsAppliedAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(server.IsHealthy);
    }

    private static (ServerState Server, ushort NatPort) Open(PipelineFixture lab, ushort clientPort)
    {
        var syn = Tcp(Client, clientPort, Vip, 8080, TcpFlags.Syn);
        Assert.Equal(PacketActionKind.SendRouted, lab.Process(syn).Kind);
        var (_, natPort, server, _) = PipelineFixture.Addresses(syn);
        return (lab.Snapshot.Pools["pool"].Servers.Single(s => ServerAddress(s) == server), natPort);
    }

    /// <summary>What a server where nothing listens answers a SYN: RST|ACK acknowledging it.</summary>
    private static byte[] Refusal(ServerState server, ushort natPort) =>
        Tcp(ServerAddress(server), 8080, Vip, natPort, TcpFlags.Rst | TcpFlags.Ack, sequence: 0, acknowledgment: Sequence + 1);

    private static uint ServerAddress(ServerState server) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(server.Address.Address.GetAddressBytes());

    private sealed class PassingProbe : IHealthProbe
    {
        public ValueTask<HealthProbeResult> ProbeAsync(System.Net.IPEndPoint address, CancellationToken cancellationToken) =>
            ValueTask.FromResult(HealthProbeResult.Healthy);
    }

    [Fact]
    public void New_flows_beyond_the_frontends_max_connections_are_refused()
    {
        using var lab = new PipelineFixture("dsr", maxConnections: 2);

        lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn));
        lab.Process(Tcp(Client, 40001, Vip, 8080, TcpFlags.Syn));
        var third = lab.Process(Tcp(Client, 40002, Vip, 8080, TcpFlags.Syn));

        Assert.Equal(PacketActionKind.Drop, third.Kind);
        Assert.Equal(1, lab.Counters.DroppedFor(DropReason.ConnectionLimit));
        Assert.Equal(PacketActionKind.SendRouted, lab.Process(Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, 5)).Kind);
    }
}
