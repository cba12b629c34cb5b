using Convey.Forwarding;
using Convey.RawPacket.Packets;
using Convey.Runtime;

namespace Convey.RawPacket.Tracking;

/// <summary>
/// The bounded flow table of the packet engine. Flows are found by the client's 4-tuple and, in passthrough,
/// by the server's reply 4-tuple (server to frontend address and NAT port). A flow is forgotten when it has
/// been idle for its frontend's idle timeout, the closing linger after both sides sent FIN or either sent RST
/// (so the last ACK, retransmissions and trailing segments still follow it rather than start new flows, as the
/// kernel's conntrack keeps a reset connection in its CLOSE state), or — when the table is full — if it is the
/// least recently used one. A reset flow's connection has ended at the RST: its counters are closed then, and
/// a client SYN on its 4-tuple starts a new flow at once. NAT ports are allocated per frontend address and
/// server and given back when the flow is forgotten. The tracker also remembers whether a flow began with the
/// client's SYN and whether the server has answered it, so that only a server's RST answering that SYN counts
/// as the server refusing the connection.
/// </summary>
/// <remarks>
/// One short lock guards the table: a lookup, a move to the front of the LRU list and a few field writes.
/// Entries live in a preallocated array linked into the LRU list by index, so tracking allocates nothing per
/// flow beyond dictionary slots, which are bounded by the capacity too.
/// </remarks>
internal sealed class ConnectionTracker : IDisposable
{
    /// <summary>How long a flow stays after both FINs (or a FIN in DSR, where only the client side is seen) or a RST.</summary>
    public static readonly TimeSpan ClosingLinger = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Packets a flow carries through the tracker (both directions) before it counts as settled, worth the fast path: a
    /// short connection ends before installing it would pay off (each install and removal is a system call).
    /// </summary>
    public const int SettledAfterPackets = 12;

    /// <summary>How often idle flows are looked for.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private const int None = -1;
    private const byte ClientFin = 1;
    private const byte ServerFin = 2;

    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly Action<TrackedFlow, FlowEndReason>? _onEnded;
    private readonly Action<TrackedFlow>? _onForgotten;
    private readonly Entry[] _entries;
    private readonly Dictionary<ClientFlowKey, int> _byClient;
    private readonly Dictionary<ReplyFlowKey, int> _byReply;
    private readonly Dictionary<(PacketAddress Frontend, PacketAddress Server, ushort Port), NatPortAllocator> _allocators = [];
    private readonly long _closingTicks;
    private readonly ITimer _sweepTimer;
    private int _head = None;
    private int _tail = None;
    private int _free;
    private int _sweepCursor;
    private int _closing;
    private int _reset;
    private long _evictions;
    private long _expirations;

    /// <summary>Creates a table for at most <paramref name="capacity"/> flows.</summary>
    /// <param name="capacity">Most flows tracked at once.</param>
    /// <param name="time">Clock for idle expiry and the sweep timer.</param>
    /// <param name="onEnded">Called (under the table's lock) for every flow forgotten, with the reason.</param>
    /// <param name="onForgotten">Called (under the table's lock) whenever a flow leaves the table, a reset one included.</param>
    public ConnectionTracker(int capacity, TimeProvider time, Action<TrackedFlow, FlowEndReason>? onEnded = null, Action<TrackedFlow>? onForgotten = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        _onEnded = onEnded;
        _onForgotten = onForgotten;
        _entries = new Entry[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _entries[i].Next = i + 1 < capacity ? i + 1 : None;
        }

        _byClient = new Dictionary<ClientFlowKey, int>(capacity);
        _byReply = new Dictionary<ReplyFlowKey, int>(capacity);
        _closingTicks = ToTimestampTicks(ClosingLinger);
        _sweepTimer = time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
    }

    /// <summary>Most flows tracked at once.</summary>
    public int Capacity => _entries.Length;

    /// <summary>Flows tracked now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byClient.Count;
            }
        }
    }

    /// <summary>Flows tracked now that have not started closing (no FIN yet, or only one side's in passthrough).</summary>
    public int OpenCount
    {
        get
        {
            lock (_lock)
            {
                return _byClient.Count - _closing;
            }
        }
    }

    /// <summary>Flows tracked now whose connection has not ended: all but reset flows lingering for their trailing segments.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _byClient.Count - _reset;
            }
        }
    }

    /// <summary>Flows forgotten because the table was full.</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    /// <summary>Flows forgotten because they were idle too long.</summary>
    public long Expirations => Volatile.Read(ref _expirations);

    /// <summary>Finds the flow of a client packet and notes its flags; a RST closes the flow after this packet.</summary>
    public bool TryGetFromClient(in ClientFlowKey key, TcpFlags flags, out TrackedFlow flow) =>
        TryGetFromClient(key, flags, out flow, out _, out _);

    /// <summary>
    /// As <see cref="TryGetFromClient(in ClientFlowKey, TcpFlags, out TrackedFlow)"/>; <paramref name="closing"/>
    /// tells whether the flow is closing (FINs or a RST seen, or it began mid-stream). A SYN on a closing flow's
    /// 4-tuple is a new connection: the closing flow is forgotten and false returned, so the caller starts one.
    /// <paramref name="settled"/> tells whether the flow is neither closing nor has seen a FIN from either side, this packet's
    /// included, and has carried at least <see cref="SettledAfterPackets"/> packets.
    /// </summary>
    public bool TryGetFromClient(in ClientFlowKey key, TcpFlags flags, out TrackedFlow flow, out bool closing, out bool settled)
    {
        lock (_lock)
        {
            closing = false;
            settled = false;
            if (!_byClient.TryGetValue(key, out var index))
            {
                flow = default;
                return false;
            }

            if (_entries[index].Closing && (flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == TcpFlags.Syn)
            {
                Remove(index, FlowEndReason.Closed);
                flow = default;
                return false;
            }

            var found = Touch(index, flags, ClientFin, out flow);
            closing = found && _entries[index].Closing;
            settled = found && IsSettled(in _entries[index]);
            return found;
        }
    }

    /// <summary>Finds the flow of a server reply and notes its flags; a RST closes the flow after this packet.</summary>
    public bool TryGetFromServer(in ReplyFlowKey key, TcpFlags flags, out TrackedFlow flow) =>
        TryGetFromServer(key, flags, 0, out flow, out _, out _);

    /// <summary>As the overload with <c>settled</c>, for callers that need only whether the server refused.</summary>
    public bool TryGetFromServer(in ReplyFlowKey key, TcpFlags flags, uint acknowledgment, out TrackedFlow flow, out bool refused) =>
        TryGetFromServer(key, flags, acknowledgment, out flow, out refused, out _);

    /// <summary>
    /// As <see cref="TryGetFromServer(in ReplyFlowKey, TcpFlags, out TrackedFlow)"/>; <paramref name="refused"/>
    /// tells whether this packet is the server refusing the connection: the flow began with the client's SYN, the
    /// server had not answered it yet, and this is a RST whose acknowledgment is that SYN's (sequence + 1), the
    /// only RST the client's TCP accepts in SYN-SENT (RFC 9293 3.10.7.3). Anything else the server sends first
    /// (a SYN-ACK) answers the SYN, and later RSTs are not refusals. <paramref name="settled"/> as for the client's packets.
    /// </summary>
    public bool TryGetFromServer(in ReplyFlowKey key, TcpFlags flags, uint acknowledgment, out TrackedFlow flow, out bool refused, out bool settled)
    {
        lock (_lock)
        {
            refused = false;
            settled = false;
            if (!_byReply.TryGetValue(key, out var index))
            {
                flow = default;
                return false;
            }

            ref var entry = ref _entries[index];
            if (entry.AwaitingAnswer)
            {
                refused = (flags & (TcpFlags.Rst | TcpFlags.Ack)) == (TcpFlags.Rst | TcpFlags.Ack) && acknowledgment == entry.ClientSequence + 1;
                entry.AwaitingAnswer = false;
            }

            var found = Touch(index, flags, ServerFin, out flow);
            refused &= found;
            settled = found && IsSettled(in _entries[index]);
            return found;
        }
    }

    /// <summary>
    /// Tracks a new flow to <paramref name="server"/>, evicting the least recently used flow when the table is
    /// full. With <paramref name="translate"/> a NAT port is allocated; false when none is free. A flow started by
    /// the client's SYN (<paramref name="opening"/>, with its <paramref name="clientSequence"/>) waits for the
    /// server's answer; one not started by a SYN (a leftover of a forgotten connection, or a stray segment) starts
    /// out closing: it lives for the closing linger after its last packet, does not hold up a drain, and nothing
    /// the server answers on it counts as a refusal.
    /// </summary>
    public bool TryAdd(
        in ClientFlowKey key, FrontendState frontend, ServerState server, PacketAddress serverAddress, ushort serverPort,
        bool translate, TimeSpan idleTimeout, out TrackedFlow flow, bool opening = true, uint clientSequence = 0)
    {
        lock (_lock)
        {
            if (_byClient.TryGetValue(key, out var existing))
            {
                Remove(existing, FlowEndReason.Moved);
            }

            ushort natPort = 0;
            NatPortAllocator? allocator = null;
            if (translate)
            {
                allocator = AllocatorFor(key.FrontendAddress, serverAddress, serverPort);
                if (!allocator.TryAllocate(key.ClientPort, out natPort))
                {
                    flow = default;
                    return false;
                }
            }

            if (_free == None)
            {
                Interlocked.Increment(ref _evictions);
                Remove(_tail, FlowEndReason.Evicted);
            }

            var index = _free;
            ref var entry = ref _entries[index];
            _free = entry.Next;
            var now = _time.GetTimestamp();
            flow = new TrackedFlow(key, serverAddress, serverPort, natPort, frontend, server, now);
            entry = new Entry
            {
                Flow = flow,
                Allocator = allocator,
                Live = true,
                IdleTicks = ToTimestampTicks(idleTimeout),
                LastSeen = now,
                Closing = !opening,
                AwaitingAnswer = opening,
                ClientSequence = clientSequence,
            };
            if (!opening)
            {
                _closing++;
            }

            LinkAtHead(index);
            _byClient.Add(key, index);
            if (translate)
            {
                _byReply.Add(flow.Reply, index);
            }

            return true;
        }
    }

    /// <summary>The flow of <paramref name="key"/>, if tracked, as it is: nothing noted, nothing moved (for ICMP errors about it).</summary>
    public bool TryFind(in ClientFlowKey key, out TrackedFlow flow)
    {
        lock (_lock)
        {
            var found = _byClient.TryGetValue(key, out var index);
            flow = found ? _entries[index].Flow : default;
            return found;
        }
    }

    /// <summary>The passthrough flow whose server replies carry <paramref name="key"/>, if tracked, as it is.</summary>
    public bool TryFind(in ReplyFlowKey key, out TrackedFlow flow)
    {
        lock (_lock)
        {
            var found = _byReply.TryGetValue(key, out var index);
            flow = found ? _entries[index].Flow : default;
            return found;
        }
    }

    /// <summary>
    /// Notes that <paramref name="key"/>'s flow carried packets now that the tracker did not see (the fast path forwarded
    /// them): its idle time starts over and it becomes the most recently used. False when the flow is not tracked.
    /// </summary>
    public bool Refresh(in ClientFlowKey key)
    {
        lock (_lock)
        {
            if (!_byClient.TryGetValue(key, out var index))
            {
                return false;
            }

            _entries[index].LastSeen = _time.GetTimestamp();
            if (index != _head)
            {
                Unlink(index);
                LinkAtHead(index);
            }

            return true;
        }
    }

    /// <summary>Forgets a flow (its server became unavailable and the flow is being moved).</summary>
    public void Forget(in ClientFlowKey key)
    {
        lock (_lock)
        {
            if (_byClient.TryGetValue(key, out var index))
            {
                Remove(index, FlowEndReason.Moved);
            }
        }
    }

    /// <summary>Whether <paramref name="port"/> is held towards a server by a live flow (for tests and diagnostics).</summary>
    public bool IsNatPortInUse(PacketAddress frontendAddress, PacketAddress serverAddress, ushort serverPort, ushort port)
    {
        lock (_lock)
        {
            return _allocators.TryGetValue((frontendAddress, serverAddress, serverPort), out var allocator) && allocator.IsInUse(port);
        }
    }

    /// <summary>Forgets idle flows and flows whose closing linger passed; checks a bounded slice of the table per call.</summary>
    /// <returns>How many flows were forgotten.</returns>
    public int Sweep()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var budget = Math.Min(_entries.Length, (_entries.Length / 10) + 1024);
            var removed = 0;
            for (var i = 0; i < budget; i++)
            {
                var index = _sweepCursor;
                _sweepCursor = _sweepCursor + 1 == _entries.Length ? 0 : _sweepCursor + 1;
                if (_entries[index].Live && IsExpired(in _entries[index], now))
                {
                    Interlocked.Increment(ref _expirations);
                    Remove(index, _entries[index].Closing ? FlowEndReason.Closed : FlowEndReason.Expired);
                    removed++;
                }
            }

            return removed;
        }
    }

    /// <summary>Forgets every flow (engine stop).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            while (_head != None)
            {
                Remove(_head, FlowEndReason.Cleared);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _sweepTimer.Dispose();

    private bool Touch(int index, TcpFlags flags, byte finBit, out TrackedFlow flow)
    {
        ref var entry = ref _entries[index];
        var now = _time.GetTimestamp();
        flow = entry.Flow;
        if (IsExpired(in entry, now))
        {
            Interlocked.Increment(ref _expirations);
            Remove(index, entry.Closing ? FlowEndReason.Closed : FlowEndReason.Expired);
            flow = default;
            return false;
        }

        entry.LastSeen = now;
        if (entry.Packets < SettledAfterPackets)
        {
            entry.Packets++;
        }

        if ((flags & TcpFlags.Rst) != 0)
        {
            CloseAtReset(ref entry);
        }

        if ((flags & TcpFlags.Fin) != 0)
        {
            entry.FinSeen |= finBit;
            // In DSR the server's side is never seen: the client's FIN starts the linger.
            if (!entry.Closing && (entry.FinSeen == (ClientFin | ServerFin) || entry.Allocator is null))
            {
                entry.Closing = true;
                _closing++;
            }
        }

        if (index != _head)
        {
            Unlink(index);
            LinkAtHead(index);
        }

        return true;
    }

    /// <summary>The connection ended at a RST: its counters close now, and the flow lingers so trailing segments follow it.</summary>
    private void CloseAtReset(ref Entry entry)
    {
        if (entry.Ended)
        {
            return;
        }

        entry.Ended = true;
        _reset++;
        entry.AwaitingAnswer = false;
        if (!entry.Closing)
        {
            entry.Closing = true;
            _closing++;
        }

        _onEnded?.Invoke(entry.Flow, FlowEndReason.Closed);
    }

    private static bool IsSettled(in Entry entry) => !entry.Closing && entry.FinSeen == 0 && entry.Packets >= SettledAfterPackets;

    private bool IsExpired(in Entry entry, long now) =>
        now - entry.LastSeen >= (entry.Closing ? Math.Min(_closingTicks, entry.IdleTicks) : entry.IdleTicks);

    private NatPortAllocator AllocatorFor(PacketAddress frontendAddress, PacketAddress serverAddress, ushort serverPort)
    {
        var key = (frontendAddress, serverAddress, serverPort);
        if (!_allocators.TryGetValue(key, out var allocator))
        {
            allocator = new NatPortAllocator();
            _allocators.Add(key, allocator);
        }

        return allocator;
    }

    private void Remove(int index, FlowEndReason reason)
    {
        ref var entry = ref _entries[index];
        var flow = entry.Flow;
        _byClient.Remove(flow.Client);
        if (entry.Allocator is not null)
        {
            _byReply.Remove(flow.Reply);
            entry.Allocator.Free(flow.NatPort);
        }

        Unlink(index);
        if (entry.Closing)
        {
            _closing--;
        }

        var ended = entry.Ended;
        if (ended)
        {
            _reset--;
        }

        entry = new Entry { Next = _free };
        _free = index;
        _onForgotten?.Invoke(flow);
        if (!ended)
        {
            _onEnded?.Invoke(flow, reason);
        }
    }

    private void LinkAtHead(int index)
    {
        ref var entry = ref _entries[index];
        entry.Previous = None;
        entry.Next = _head;
        if (_head != None)
        {
            _entries[_head].Previous = index;
        }

        _head = index;
        if (_tail == None)
        {
            _tail = index;
        }
    }

    private void Unlink(int index)
    {
        ref var entry = ref _entries[index];
        if (entry.Previous != None)
        {
            _entries[entry.Previous].Next = entry.Next;
        }
        else
        {
            _head = entry.Next;
        }

        if (entry.Next != None)
        {
            _entries[entry.Next].Previous = entry.Previous;
        }
        else
        {
            _tail = entry.Previous;
        }

        entry.Previous = None;
        entry.Next = None;
    }

    private long ToTimestampTicks(TimeSpan span) =>
        (long)(span.TotalSeconds * _time.TimestampFrequency);

    private struct Entry
    {
        public TrackedFlow Flow;
        public NatPortAllocator? Allocator;
        public long LastSeen;
        public long IdleTicks;
        public int Previous;
        public int Next;
        public uint ClientSequence;

        /// <summary>Packets seen, up to <see cref="SettledAfterPackets"/>.</summary>
        public int Packets;
        public byte FinSeen;
        public bool Closing;

        /// <summary>Began with the client's SYN and the server has sent nothing yet.</summary>
        public bool AwaitingAnswer;

        /// <summary>Reset: the flow lingers, but its end was already reported.</summary>
        public bool Ended;
        public bool Live;
    }
}
