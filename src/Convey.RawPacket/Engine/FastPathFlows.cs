using System.ComponentModel;
using Convey.RawPacket.Tracking;
using Convey.RawPacket.Xdp;
using Convey.Forwarding;

namespace Convey.RawPacket.Engine;

/// <summary>
/// Which flow directions the in-kernel fast path carries, on which interface's <see cref="FastPath"/>, for the engine
/// as a whole. A port installs a direction when it sends a packet the pipeline offered (<see cref="PacketAction.Offer"/>):
/// the entry repeats the rewrite just done. The pipeline removes a flow's entries when a FIN or RST passes, the tracker
/// when it forgets the flow, and <see cref="Sync"/> once a second reads the entries' counters into the tracker (idle
/// expiry, LRU), and removes entries whose flow the tracker no longer holds, whose frontend is gone or whose server is
/// down, so their next packet meets the pipeline's rules. What an entry forwarded goes into the frontends' and servers'
/// byte counters and the engine's packet counters when it is read, the last time just before it is removed.
/// Thread-safe; the kernel maps are written and the counters taken under one lock.
/// </summary>
internal sealed class FastPathFlows(PacketCounters counters)
{
    private readonly object _lock = new();
    private readonly Dictionary<FastPathKey, Installed> _installed = [];
    private readonly Dictionary<ClientFlowKey, List<FastPathKey>> _byFlow = [];
    private int _paths;
    private int _count;
    private long _packets;

    /// <summary>Whether a fast path is attached anywhere, so offers are worth making.</summary>
    public bool Active => Volatile.Read(ref _paths) > 0;

    /// <summary>Flow directions the fast path carries now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Packets the fast path forwarded since start, as last read by <see cref="Sync"/>.</summary>
    public long PacketsForwarded => Interlocked.Read(ref _packets);

    /// <summary>A fast path was attached to an interface.</summary>
    public void OnAttached() => Interlocked.Increment(ref _paths);

    /// <summary><paramref name="path"/> is being closed: its entries are forgotten (the map goes with it).</summary>
    public void OnDetached(FastPath path)
    {
        lock (_lock)
        {
            foreach (var (key, installed) in _installed.Where(i => ReferenceEquals(i.Value.Path, path)).ToList())
            {
                Forget(key, installed.Flow.Client);
            }
        }

        Interlocked.Decrement(ref _paths);
    }

    /// <summary>
    /// Installs on <paramref name="path"/> the rewrite that made <paramref name="packet"/> (an IPv4 packet as sent) of
    /// <paramref name="action"/>'s flow, to go to <paramref name="destinationMac"/> from <paramref name="sourceMac"/> out of
    /// the fast path's interface. Nothing happens for a packet with IP options or of IPv6, for a direction already
    /// installed, or when the map is full.
    /// </summary>
    public void Offer(FastPath path, in PacketAction action, ReadOnlySpan<byte> packet, ulong destinationMac, ulong sourceMac)
    {
        if (packet.Length < 24 || packet[0] != 0x45)
        {
            return;
        }

        var flow = action.Flow;
        var from = action.Offer == FastPathOffer.ToServer
            ? FastPathKey.Of(flow.Client.ClientAddress, flow.Client.ClientPort, flow.Client.FrontendAddress, flow.Client.FrontendPort)
            : FastPathKey.Of(flow.ServerAddress, flow.ServerPort, flow.Client.FrontendAddress, flow.NatPort);
        if (!flow.Client.ClientAddress.IsIPv4)
        {
            return;
        }

        lock (_lock)
        {
            if (_installed.ContainsKey(from) || !path.TryInstall(from, FastPathEntry.Rewrite(from, FastPathKey.Of(packet), destinationMac, sourceMac, path.InterfaceIndex)))
            {
                return;
            }

            _installed.Add(from, new Installed(path, flow));
            if (!_byFlow.TryGetValue(flow.Client, out var keys))
            {
                keys = new List<FastPathKey>(2);
                _byFlow.Add(flow.Client, keys);
            }

            keys.Add(from);
            _count++;
        }
    }

    /// <summary>Removes both directions of <paramref name="flow"/> from the fast path: its packets go to the engine again.</summary>
    public void Remove(in ClientFlowKey flow)
    {
        if (Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_byFlow.TryGetValue(flow, out var keys))
            {
                // Backwards: Forget takes each key out of this list.
                for (var i = keys.Count - 1; i >= 0; i--)
                {
                    Forget(keys[i], flow);
                }
            }
        }
    }

    /// <summary>
    /// Reads every entry's counters: what the fast path forwarded since the last read is noted in <paramref name="tracker"/>
    /// (the flow is not idle), in the flow's frontend and server byte counters and in the engine's packet counters. Entries
    /// whose flow the tracker forgot or replaced, whose frontend <paramref name="routes"/> no longer routes to, or whose
    /// server is down are removed.
    /// </summary>
    public void Sync(ConnectionTracker tracker, RouteTable routes)
    {
        if (Count == 0)
        {
            return;
        }

        List<(FastPathKey Key, Installed Installed)> snapshot;
        lock (_lock)
        {
            snapshot = [.. _installed.Select(i => (i.Key, i.Value))];
        }

        // The tracker's lock is taken outside ours: the tracker calls Remove under its own.
        var stale = new List<(FastPathKey Key, ClientFlowKey Flow)>();
        foreach (var (key, installed) in snapshot)
        {
            var flow = installed.Flow;
            if (!installed.Path.TryRead(key, out var entry))
            {
                stale.Add((key, flow.Client));
                continue;
            }

            bool forwarded;
            lock (_lock)
            {
                forwarded = _installed.ContainsKey(key) && Account(installed, key, entry);
            }

            if (forwarded)
            {
                tracker.Refresh(flow.Client);
            }

            if (!tracker.TryFind(flow.Client, out var tracked) || tracked.Started != flow.Started
                || !routes.TryGetFrontend(flow.Client.FrontendAddress, flow.Client.FrontendPort, out var route)
                || !ReferenceEquals(route.Frontend, flow.Frontend) || flow.Server.Health == ServerHealth.Down)
            {
                stale.Add((key, flow.Client));
            }
        }

        if (stale.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            foreach (var (key, flow) in stale)
            {
                Forget(key, flow);
            }
        }
    }

    /// <summary>Adds what <paramref name="entry"/> counted since the last read to the counters (under the lock); false when nothing.</summary>
    private bool Account(Installed installed, FastPathKey key, in FastPathEntry entry)
    {
        if (entry.Packets <= installed.Packets)
        {
            return false;
        }

        var packets = (long)(entry.Packets - installed.Packets);
        var bytes = (long)(entry.Bytes - installed.Bytes);
        (installed.Packets, installed.Bytes) = (entry.Packets, entry.Bytes);
        counters.OnForwardedInKernel(packets, bytes);
        Interlocked.Add(ref _packets, packets);
        var flow = installed.Flow;
        var toServer = key == FastPathKey.Of(flow.Client.ClientAddress, flow.Client.ClientPort, flow.Client.FrontendAddress, flow.Client.FrontendPort);
        if (toServer)
        {
            flow.Frontend.AddBytesToServer(bytes);
            flow.Server.AddBytesToServer(bytes);
        }
        else
        {
            flow.Server.AddBytesToClient(bytes);
            flow.Frontend.AddBytesToClient(bytes);
        }

        return true;
    }

    /// <summary>Deletes <paramref name="key"/> from its map and from the indexes (under the lock).</summary>
    private void Forget(FastPathKey key, ClientFlowKey flow)
    {
        if (!_installed.Remove(key, out var installed))
        {
            return;
        }

        _count--;
        if (_byFlow.TryGetValue(flow, out var keys))
        {
            keys.Remove(key);
            if (keys.Count == 0)
            {
                _byFlow.Remove(flow);
            }
        }

        try
        {
            // What it forwarded since the last read is counted before the entry goes.
            if (installed.Path.TryRead(key, out var entry))
            {
                Account(installed, key, entry);
            }

            installed.Path.Remove(key);
        }
        catch (Win32Exception)
        {
            // The map is gone with its interface; nothing forwards the flow any more.
        }
    }

    /// <summary>One installed direction: its interface's fast path, its flow, and its counters as last read.</summary>
    private sealed class Installed(FastPath path, TrackedFlow flow)
    {
        public FastPath Path { get; } = path;

        public TrackedFlow Flow { get; } = flow;

        public ulong Packets { get; set; }

        public ulong Bytes { get; set; }
    }
}
