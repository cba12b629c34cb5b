using Convey.Forwarding;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tracking;
using Convey.Runtime;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The per-packet work of the engine, free of sockets: check the packet, find or create its flow, rewrite it
/// and say where it goes. Every refused packet is counted under a <see cref="DropReason"/>; nothing throws.
/// Safe to call from several receive threads at once.
/// </summary>
internal sealed class PacketPipeline
{
    private readonly ConnectionTracker _tracker;
    private readonly NeighbourTable _neighbours;
    private readonly ResetRateLimit _resets;
    private RouteTable _routes = RouteTable.Empty;

    private long _statsUpdateTicks = TimeSpan.FromSeconds(5).Ticks;

    public PacketPipeline(ConnectionTracker tracker, NeighbourTable neighbours, PacketCounters counters, TimeProvider time, FastPathFlows? fastPath = null)
    {
        _tracker = tracker;
        FastPath = fastPath ?? new FastPathFlows(counters);
        _neighbours = neighbours;
        Counters = counters;
        Time = time;
        _resets = new ResetRateLimit(time);
    }

    public PacketCounters Counters { get; }

    /// <summary>The flows the in-kernel fast path carries (AF_XDP path), which packets of established flows are offered to.</summary>
    public FastPathFlows FastPath { get; }

    /// <summary>The clock receive threads publish their <see cref="ByteTally"/> by.</summary>
    public TimeProvider Time { get; }

    /// <summary>How often each receive thread publishes the bytes it forwarded (<c>[passthrough] stats_update_frequency</c>).</summary>
    public TimeSpan StatsUpdateFrequency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _statsUpdateTicks));
        set => Interlocked.Exchange(ref _statsUpdateTicks, value.Ticks);
    }

    /// <summary>
    /// Resets per second the engine may send for passthrough segments of flows it does not track, from clients and from
    /// servers to NAT ports (<c>[passthrough] reset_rate</c>); 0 drops them unanswered.
    /// </summary>
    public int ResetRate
    {
        get => _resets.Rate;
        set => _resets.Rate = value;
    }

    public ConnectionTracker Tracker => _tracker;

    public RouteTable Routes
    {
        get => Volatile.Read(ref _routes);
        set => Volatile.Write(ref _routes, value);
    }

    /// <summary>Keeps frontend and server counters right when the tracker forgets a flow.</summary>
    public static void OnFlowEnded(TrackedFlow flow, FlowEndReason reason)
    {
        flow.Frontend.OnConnectionClosed();
        flow.Server.OnConnectionClosed();
    }

    /// <summary>Handles one received IPv4 or IPv6 packet in place.</summary>
    /// <param name="packet">The packet from its IP header on; rewritten in place.</param>
    /// <param name="checksumNotReady">The kernel reported TP_STATUS_CSUMNOTREADY: the TCP checksum field holds no finished checksum.</param>
    /// <param name="mtu">The interface MTU; a longer packet (GSO/GRO) is rewritten whole and must be sent with <see cref="TcpSegmenter"/>.</param>
    /// <param name="tally">The calling receive thread's bytes, published at <see cref="StatsUpdateFrequency"/>.</param>
    public PacketAction Process(Span<byte> packet, bool checksumNotReady, int mtu, ByteTally tally)
    {
        Counters.OnReceived(packet.Length);
        if (!IPPacket.TryRead(packet, out var ip, out var reason))
        {
            return Drop(reason);
        }

        if (ip.Protocol == (ip.IsIPv6 ? IPPacket.ProtocolIcmpV6 : IPPacket.ProtocolIcmp))
        {
            return FromIcmp(ip);
        }

        if (ip.Protocol != IPPacket.ProtocolTcp)
        {
            return Drop(DropReason.NotTcp);
        }

        if (!TcpHeader.TryRead(ip.Payload, out var tcp, out reason))
        {
            return Drop(reason);
        }

        // Super-packets (offloads on) are forwarded and cut to the MTU when sent, unless nothing would fit.
        if (ip.TotalLength > mtu && !TcpSegmenter.CanSegment(ip.HeaderLength + tcp.HeaderLength, mtu))
        {
            return Drop(DropReason.Oversized);
        }

        var routes = Routes;
        var destination = ip.Destination;
        if (routes.TryGetFrontend(destination, tcp.DestinationPort, out var route))
        {
            return FromClient(route, ip, tcp, checksumNotReady, tally);
        }

        if (tcp.DestinationPort is >= NatPortAllocator.FirstPort and <= NatPortAllocator.LastPort && routes.IsNatAddress(destination))
        {
            return FromServer(ip, tcp, checksumNotReady, tally);
        }

        return Drop(DropReason.NoFrontend);
    }

    private PacketAction FromClient(FrontendRoute route, IPPacket ip, TcpHeader tcp, bool checksumNotReady, ByteTally tally)
    {
        var key = new ClientFlowKey(ip.Source, tcp.SourcePort, ip.Destination, tcp.DestinationPort);
        var flags = tcp.Flags;
        var known = _tracker.TryGetFromClient(key, flags, out var flow, out var closing, out var settled);
        if (known && (flags & (TcpFlags.Fin | TcpFlags.Rst)) != 0)
        {
            // FIN and RST never take the fast path: from here on the flow's packets come through the tracker.
            FastPath.Remove(key);
        }

        if (!known || (!closing && flow.Server.Health == ServerHealth.Down))
        {
            settled = false;
            if (known)
            {
                // The flow's server failed health: move the flow (DSR), or end it (passthrough, below). A closing flow
                // stays: its trailing segments have nothing to gain elsewhere.
                _tracker.Forget(key);
            }

            if ((flags & TcpFlags.Rst) != 0)
            {
                return Drop(DropReason.UntrackedReset);
            }

            if (route.Mode == PacketMode.Passthrough && !IsOpening(flags))
            {
                // No NAT state: no server knows this connection under any NAT port the engine could pick now, so a
                // fresh flow would only make a server reset it (or, by chance, land in another connection). The
                // balancer answers for the connection it lost, as the kernel does for a segment of no connection.
                return AnswerWithReset(ip, tcp, DropReason.UntrackedSegment);
            }

            if (route.Draining)
            {
                route.Frontend.OnConnectionRefused();
                return Drop(DropReason.Draining);
            }

            if (!TryStartFlow(route, key, tcp, out flow, out var reason))
            {
                return Drop(reason);
            }
        }

        var length = ip.TotalLength;
        tally.AddToServer(route.Frontend, flow.Server, length);
        var offer = settled && (flags & (TcpFlags.Syn | TcpFlags.Fin | TcpFlags.Rst)) == 0 && FastPath.Active ? FastPathOffer.ToServer : FastPathOffer.None;
        if (route.Mode == PacketMode.Passthrough)
        {
            Rewrite(ip, tcp, key.FrontendAddress, flow.ServerAddress, flow.NatPort, flow.ServerPort, checksumNotReady);
            return Send(flow.ServerAddress, length) with { Offer = offer, Flow = flow };
        }

        if (route.DsrMethod == DsrMethod.L3)
        {
            Rewrite(ip, tcp, key.ClientAddress, flow.ServerAddress, tcp.SourcePort, flow.ServerPort, checksumNotReady);
            return Send(flow.ServerAddress, length) with { Offer = offer, Flow = flow };
        }

        if (!_neighbours.TryGet(flow.ServerAddress, out var mac))
        {
            return Drop(DropReason.NeighbourUnresolved);
        }

        if (checksumNotReady)
        {
            tcp.RecomputeChecksum(key.ClientAddress, key.FrontendAddress);
        }

        return new PacketAction(PacketActionKind.SendToHardwareAddress, key.FrontendAddress, mac, length) { Offer = offer, Flow = flow };
    }

    private PacketAction FromServer(IPPacket ip, TcpHeader tcp, bool checksumNotReady, ByteTally tally)
    {
        var key = new ReplyFlowKey(ip.Source, tcp.SourcePort, ip.Destination, tcp.DestinationPort);
        var flags = tcp.Flags;
        if (!_tracker.TryGetFromServer(key, flags, tcp.AcknowledgmentNumber, out var flow, out var refused, out var settled))
        {
            // A server holds a connection the balancer no longer maps to a client: answered like a NAT that lost its state
            // answers, so the server frees it now instead of retransmitting into the void until it times out. Only a
            // server of a passthrough pool: anything else on a NAT port (the host's own connections, should its
            // ephemeral ports overlap the range; stray traffic) is not the balancer's to reset.
            return (flags & TcpFlags.Rst) == 0 && Routes.IsPassthroughServer(ip.Source, tcp.SourcePort)
                ? AnswerWithReset(ip, tcp, DropReason.UntrackedServerSegment)
                : Drop(DropReason.UnknownFlow);
        }

        if (refused)
        {
            // The server answered the client's SYN with RST (nothing listens): passive health hears of it before
            // the next probe. Only this counts: a RST to a stray or mid-stream segment says nothing of the server.
            flow.Frontend.Pool.ReportConnectFailure(flow.Server);
        }

        if ((flags & (TcpFlags.Fin | TcpFlags.Rst)) != 0)
        {
            FastPath.Remove(flow.Client);
        }

        var length = ip.TotalLength;
        tally.AddToClient(flow.Frontend, flow.Server, length);
        var client = flow.Client;
        Rewrite(ip, tcp, client.FrontendAddress, client.ClientAddress, client.FrontendPort, client.ClientPort, checksumNotReady);
        var offer = settled && (flags & (TcpFlags.Syn | TcpFlags.Fin | TcpFlags.Rst)) == 0 && FastPath.Active ? FastPathOffer.ToClient : FastPathOffer.None;
        return Send(client.ClientAddress, length) with { Offer = offer, Flow = flow };
    }

    /// <summary>
    /// An ICMP error about a packet of a tracked flow goes to the side that sent that packet, quoting it as that side sent
    /// it, so a path-MTU signal (fragmentation needed, packet too big) or an unreachable reaches the TCP that can act on it:
    /// about a packet towards a client (it left a frontend address and port), to the flow's server; in passthrough,
    /// about a packet towards a server (it left a NAT port), to the client.
    /// </summary>
    private PacketAction FromIcmp(IPPacket ip)
    {
        if (!IcmpError.TryRead(ip, out var error, out var reason))
        {
            return Drop(reason);
        }

        var routes = Routes;
        var (quotedSource, quotedSourcePort) = (error.QuotedSource, error.QuotedSourcePort);
        var (quotedDestination, quotedDestinationPort) = (error.QuotedDestination, error.QuotedDestinationPort);
        if (routes.TryGetFrontend(quotedSource, quotedSourcePort, out var route) &&
            _tracker.TryFind(new ClientFlowKey(quotedDestination, quotedDestinationPort, quotedSource, quotedSourcePort), out var flow))
        {
            if (route.Mode == PacketMode.Passthrough)
            {
                // The server sent server:port -> frontend address:NAT port.
                error.RewriteQuoted(flow.ServerAddress, flow.ServerPort, quotedSource, flow.NatPort);
                return Relay(ip, error, flow.ServerAddress);
            }

            if (route.DsrMethod == DsrMethod.L3)
            {
                // The server sent from its own address and port; its egress rule put the frontend's in their place.
                error.RewriteQuoted(flow.ServerAddress, flow.ServerPort, quotedDestination, quotedDestinationPort);
                return Relay(ip, error, flow.ServerAddress);
            }

            // L2: the server holds the frontend address itself and sent the quoted packet as it is.
            return _neighbours.TryGet(flow.ServerAddress, out var mac)
                ? new PacketAction(PacketActionKind.SendToHardwareAddress, ip.Destination, mac, ip.TotalLength)
                : Drop(DropReason.NeighbourUnresolved);
        }

        if (routes.IsNatAddress(quotedSource) &&
            _tracker.TryFind(new ReplyFlowKey(quotedDestination, quotedDestinationPort, quotedSource, quotedSourcePort), out flow))
        {
            var client = flow.Client;
            error.RewriteQuoted(client.ClientAddress, client.ClientPort, client.FrontendAddress, client.FrontendPort);
            return Relay(ip, error, client.ClientAddress);
        }

        return Drop(DropReason.IcmpNotRelayed);
    }

    /// <summary>
    /// The RST that ends the sender's connection (a client's, or a server's towards a NAT port), built over the segment
    /// itself, within <see cref="ResetRate"/>; the segment is counted as <paramref name="reason"/>.
    /// </summary>
    private PacketAction AnswerWithReset(IPPacket ip, TcpHeader tcp, DropReason reason)
    {
        if (!_resets.TryTake())
        {
            return Drop(DropReason.ResetRateLimited);
        }

        Counters.OnDropped(reason);
        var sender = ip.Source;
        return Send(sender, TcpReset.AnswerInPlace(ip, tcp));
    }

    /// <summary>A client's SYN: the only segment that starts a connection (a SYN-ACK from a client answers one).</summary>
    private static bool IsOpening(TcpFlags flags) => (flags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn;

    private static PacketAction Relay(IPPacket ip, IcmpError error, PacketAddress destination)
    {
        ip.Destination = destination;
        error.RecomputeChecksum(ip.IsIPv6, ip.Source, destination);
        return Send(destination, ip.TotalLength);
    }

    private bool TryStartFlow(FrontendRoute route, in ClientFlowKey key, TcpHeader tcp, out TrackedFlow flow, out DropReason reason)
    {
        flow = default;
        var frontend = route.Frontend;
        var limit = frontend.Config.MaxConnections;
        if (limit > 0 && frontend.ActiveConnections >= limit)
        {
            frontend.OnConnectionRefused();
            reason = DropReason.ConnectionLimit;
            return false;
        }

        var server = frontend.Pool.Select(new FlowKey(key.ClientAddress.ToUInt128(), key.ClientPort, key.FrontendAddress.ToUInt128(), key.FrontendPort));
        if (server is null)
        {
            frontend.OnConnectionRefused();
            reason = DropReason.NoServer;
            return false;
        }

        // L2 DSR keeps the destination port: the server listens on the frontend's port on its loopback VIP.
        var serverPort = route.Mode == PacketMode.Dsr && route.DsrMethod == DsrMethod.L2 ? tcp.DestinationPort : (ushort)server.Address.Port;
        var translate = route.Mode == PacketMode.Passthrough;
        var opening = IsOpening(tcp.Flags);
        if (!_tracker.TryAdd(key, frontend, server, PacketAddress.From(server.Address.Address), serverPort, translate, route.IdleTimeout, out flow, opening, tcp.SequenceNumber))
        {
            frontend.OnConnectionRefused();
            reason = DropReason.NatPortsExhausted;
            return false;
        }

        frontend.OnConnectionOpened();
        server.OnConnectionOpened();
        Counters.OnFlowCreated();
        reason = default;
        return true;
    }

    private static void Rewrite(
        IPPacket ip, TcpHeader tcp, PacketAddress source, PacketAddress destination, ushort sourcePort, ushort destinationPort, bool checksumNotReady)
    {
        var (oldSource, oldDestination) = (ip.Source, ip.Destination);
        ip.Source = source;
        ip.Destination = destination;
        tcp.SetSourcePort(sourcePort);
        tcp.SetDestinationPort(destinationPort);
        if (checksumNotReady)
        {
            tcp.RecomputeChecksum(source, destination);
        }
        else
        {
            tcp.OnPseudoHeaderAddressChanged(oldSource, source);
            tcp.OnPseudoHeaderAddressChanged(oldDestination, destination);
        }
    }

    private static PacketAction Send(PacketAddress destination, int length) => new(PacketActionKind.SendRouted, destination, 0, length);

    private PacketAction Drop(DropReason reason)
    {
        Counters.OnDropped(reason);
        return PacketAction.Drop;
    }
}
