using Convey.Forwarding;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tracking;
using Convey.RawPacket.Tests.Packets;
using Convey.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Convey.RawPacket.Tests.Tracking;

public class ConnectionTrackerTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _time = new();
    private readonly FrontendState _frontend;
    private readonly ServerState _server;
    private readonly List<(TrackedFlow Flow, FlowEndReason Reason)> _ended = [];

    public ConnectionTrackerTests()
    {
        var snapshot = TestRuntime.Build("passthrough");
        _frontend = snapshot.Frontends["web"];
        _server = snapshot.Pools["pool"].Servers[0];
    }

    [Fact]
    public void A_tracked_flow_is_found_from_both_sides()
    {
        using var tracker = NewTracker(10);
        var key = Client(1);
        Assert.True(Add(tracker, key, out var added));

        Assert.True(tracker.TryGetFromClient(key, TcpFlags.Ack, out var fromClient));
        Assert.True(tracker.TryGetFromServer(added.Reply, TcpFlags.Ack, out var fromServer));
        Assert.Equal(added, fromClient);
        Assert.Equal(added, fromServer);
        Assert.InRange(added.NatPort, NatPortAllocator.FirstPort, NatPortAllocator.LastPort);
    }

    [Fact]
    public void A_full_table_evicts_the_least_recently_used_flow()
    {
        using var tracker = NewTracker(3);
        Add(tracker, Client(1), out _);
        Add(tracker, Client(2), out _);
        Add(tracker, Client(3), out _);
        tracker.TryGetFromClient(Client(1), TcpFlags.Ack, out _); // 2 is now the least recently used

        Assert.True(Add(tracker, Client(4), out _));

        Assert.Equal(3, tracker.Count);
        Assert.Equal(1, tracker.Evictions);
        Assert.False(tracker.TryGetFromClient(Client(2), TcpFlags.Ack, out _));
        Assert.True(tracker.TryGetFromClient(Client(1), TcpFlags.Ack, out _));
        Assert.Equal(FlowEndReason.Evicted, Assert.Single(_ended).Reason);
    }

    [Fact]
    public void Many_more_flows_than_the_capacity_never_overflow_the_table()
    {
        using var tracker = NewTracker(100);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(Add(tracker, Client(i), out _));
        }

        Assert.Equal(100, tracker.Count);
        Assert.Equal(9_900, tracker.Evictions);
    }

    [Fact]
    public void An_idle_flow_expires_after_the_idle_timeout_and_frees_its_nat_port()
    {
        using var tracker = NewTracker(10);
        Add(tracker, Client(1), out var flow);

        _time.Advance(Idle - TimeSpan.FromSeconds(2));
        Assert.Equal(1, tracker.Count);
        _time.Advance(TimeSpan.FromSeconds(3)); // the sweep timer runs on the fake clock

        Assert.Equal(0, tracker.Count);
        Assert.Equal(1, tracker.Expirations);
        Assert.False(tracker.IsNatPortInUse(PacketAddress.FromIPv4(TestPackets.Vip), flow.ServerAddress, flow.ServerPort, flow.NatPort));
        Assert.Equal(FlowEndReason.Expired, Assert.Single(_ended).Reason);
    }

    [Fact]
    public void Traffic_the_fast_path_forwarded_keeps_a_flow_alive_and_most_recently_used()
    {
        using var tracker = NewTracker(2);
        Add(tracker, Client(1), out _);
        Add(tracker, Client(2), out _);
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.True(tracker.Refresh(Client(1)));
        }

        Add(tracker, Client(3), out _); // evicts the least recently used: 2, though it was added after 1

        Assert.True(tracker.TryFind(Client(1), out _));
        Assert.False(tracker.TryFind(Client(2), out _));
        Assert.False(tracker.Refresh(Client(2)));
    }

    [Fact]
    public void Every_flow_leaving_the_table_is_reported_to_the_fast_path_a_reset_one_included()
    {
        var forgotten = new List<ClientFlowKey>();
        using var tracker = new ConnectionTracker(10, _time, onForgotten: flow => forgotten.Add(flow.Client));
        Add(tracker, Client(1), out _);
        Add(tracker, Client(2), out _);
        tracker.TryGetFromClient(Client(1), TcpFlags.Rst, out _);

        _time.Advance(ConnectionTracker.ClosingLinger + TimeSpan.FromSeconds(1));
        tracker.Forget(Client(2));

        Assert.Equal([Client(1), Client(2)], forgotten);
    }

    [Fact]
    public void Traffic_keeps_a_flow_alive()
    {
        using var tracker = NewTracker(10);
        Add(tracker, Client(1), out _);
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.True(tracker.TryGetFromClient(Client(1), TcpFlags.Ack, out _));
        }

        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void A_reset_ends_the_connection_at_once_and_the_flow_lingers_for_trailing_segments()
    {
        using var tracker = NewTracker(10);
        Add(tracker, Client(1), out var flow);

        Assert.True(tracker.TryGetFromServer(flow.Reply, TcpFlags.Rst, out _));

        Assert.Equal(FlowEndReason.Closed, Assert.Single(_ended).Reason);
        Assert.Equal(0, tracker.OpenCount);
        Assert.Equal(0, tracker.ConnectionCount);
        Assert.Equal(1, tracker.Count);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(tracker.TryGetFromClient(Client(1), TcpFlags.Ack, out var trailing));
            Assert.Equal(flow.NatPort, trailing.NatPort);
            Assert.True(tracker.TryGetFromServer(flow.Reply, TcpFlags.Rst, out _));
        }

        Assert.Single(_ended);
        _time.Advance(ConnectionTracker.ClosingLinger + TimeSpan.FromSeconds(1));
        Assert.Equal(0, tracker.Count);
        Assert.Single(_ended);
        Assert.False(tracker.IsNatPortInUse(PacketAddress.FromIPv4(TestPackets.Vip), flow.ServerAddress, flow.ServerPort, flow.NatPort));
    }

    [Fact]
    public void A_syn_on_a_reset_flows_addresses_is_a_new_connection()
    {
        using var tracker = NewTracker(10);
        Add(tracker, Client(1), out var flow);
        tracker.TryGetFromClient(Client(1), TcpFlags.Rst, out _);

        Assert.False(tracker.TryGetFromClient(Client(1), TcpFlags.Syn, out _));

        Assert.Equal(0, tracker.Count);
        Assert.Single(_ended);
        Assert.False(tracker.IsNatPortInUse(PacketAddress.FromIPv4(TestPackets.Vip), flow.ServerAddress, flow.ServerPort, flow.NatPort));
    }

    [Fact]
    public void Only_a_reset_acknowledging_the_clients_syn_before_any_answer_is_a_refusal()
    {
        using var tracker = NewTracker(10);
        const uint isn = 1000;
        Assert.True(tracker.TryAdd(Client(1), _frontend, _server, PacketAddress.FromIPv4(TestPackets.Server1), 8080, translate: true, Idle, out var refusedFlow, opening: true, clientSequence: isn));
        Assert.True(tracker.TryAdd(Client(2), _frontend, _server, PacketAddress.FromIPv4(TestPackets.Server1), 8080, translate: true, Idle, out var answeredFlow, opening: true, clientSequence: isn));
        Assert.True(tracker.TryAdd(Client(3), _frontend, _server, PacketAddress.FromIPv4(TestPackets.Server1), 8080, translate: true, Idle, out var strayFlow, opening: false));
        Assert.True(tracker.TryAdd(Client(4), _frontend, _server, PacketAddress.FromIPv4(TestPackets.Server1), 8080, translate: true, Idle, out var wrongAckFlow, opening: true, clientSequence: isn));

        tracker.TryGetFromServer(refusedFlow.Reply, TcpFlags.Rst | TcpFlags.Ack, isn + 1, out _, out var refused);
        tracker.TryGetFromServer(answeredFlow.Reply, TcpFlags.Syn | TcpFlags.Ack, isn + 1, out _, out var answered);
        tracker.TryGetFromServer(answeredFlow.Reply, TcpFlags.Rst | TcpFlags.Ack, isn + 1, out _, out var resetAfterAnswer);
        tracker.TryGetFromServer(strayFlow.Reply, TcpFlags.Rst | TcpFlags.Ack, isn + 1, out _, out var stray);
        tracker.TryGetFromServer(wrongAckFlow.Reply, TcpFlags.Rst | TcpFlags.Ack, isn + 7, out _, out var wrongAck);

        Assert.True(refused);
        Assert.False(answered);
        Assert.False(resetAfterAnswer);
        Assert.False(stray);
        Assert.False(wrongAck);
    }

    [Fact]
    public void Both_fins_end_the_flow_after_the_closing_linger_not_the_idle_timeout()
    {
        using var tracker = NewTracker(10);
        Add(tracker, Client(1), out var flow);
        tracker.TryGetFromClient(Client(1), TcpFlags.Fin | TcpFlags.Ack, out _);
        _time.Advance(ConnectionTracker.ClosingLinger + TimeSpan.FromSeconds(1));
        Assert.Equal(1, tracker.Count); // only one side closed

        Assert.Equal(1, tracker.OpenCount);
        tracker.TryGetFromServer(flow.Reply, TcpFlags.Fin | TcpFlags.Ack, out _);
        Assert.Equal(0, tracker.OpenCount);
        Assert.True(tracker.TryGetFromClient(Client(1), TcpFlags.Ack, out _)); // the last ACK still passes
        _time.Advance(ConnectionTracker.ClosingLinger + TimeSpan.FromSeconds(1));

        Assert.Equal(0, tracker.Count);
        Assert.Equal(FlowEndReason.Closed, Assert.Single(_ended).Reason);
    }

    [Fact]
    public void Flows_to_the_same_server_never_share_a_nat_port()
    {
        using var tracker = NewTracker(5000);
        var ports = new HashSet<ushort>();
        for (var i = 0; i < 5000; i++)
        {
            Add(tracker, Client(i), out var flow);
            Assert.True(ports.Add(flow.NatPort));
        }
    }

    [Fact]
    public void Untranslated_dsr_flows_hold_no_nat_port_and_close_on_the_client_fin()
    {
        using var tracker = NewTracker(10);
        Assert.True(tracker.TryAdd(Client(1), _frontend, _server, PacketAddress.FromIPv4(TestPackets.Server1), 8080, translate: false, Idle, out var flow));
        Assert.Equal(0, flow.NatPort);

        tracker.TryGetFromClient(Client(1), TcpFlags.Fin | TcpFlags.Ack, out _);
        _time.Advance(ConnectionTracker.ClosingLinger + TimeSpan.FromSeconds(1));

        Assert.Equal(0, tracker.Count);
    }

    private ConnectionTracker NewTracker(int capacity) => new(capacity, _time, (flow, reason) => _ended.Add((flow, reason)));

    private bool Add(ConnectionTracker tracker, in ClientFlowKey key, out TrackedFlow flow) =>
        tracker.TryAdd(key, _frontend, _server, PacketAddress.FromIPv4(TestPackets.Server1), 8080, translate: true, Idle, out flow);

    private static ClientFlowKey Client(int n) => new(PacketAddress.FromIPv4(TestPackets.Client + (uint)(n >> 16)), (ushort)n, PacketAddress.FromIPv4(TestPackets.Vip), 8080);

    [Fact]
    public void A_flow_not_started_by_a_syn_counts_as_closing_and_ends_after_the_linger()
    {
        using var tracker = NewTracker(10);
        Assert.True(tracker.TryAdd(Client(1), _frontend, _server, PacketAddress.FromIPv4(TestPackets.Server1), 8080, translate: true, Idle, out _, opening: false));

        Assert.Equal(1, tracker.Count);
        Assert.Equal(0, tracker.OpenCount);
        _time.Advance(ConnectionTracker.ClosingLinger + TimeSpan.FromSeconds(1));

        Assert.Equal(0, tracker.Count);
    }
}
