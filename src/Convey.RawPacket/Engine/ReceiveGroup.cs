using Convey.RawPacket.Packets;
using Microsoft.Extensions.Logging;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The worker threads of one interface, one per <see cref="IPacketPort"/> (the ports of a group share the load:
/// PACKET_FANOUT by flow hash, or one AF_XDP socket per receive queue). A worker receives a batch, runs each packet
/// through the pipeline in place, queues what it forwards and flushes the batch. A thread never lets an exception
/// out: every failure is counted as a drop and logged.
/// </summary>
internal sealed partial class ReceiveGroup : IDisposable
{
    private readonly PacketPipeline _pipeline;
    private readonly ILogger _logger;
    private readonly int _mtu;
    private readonly IPacketPort[] _ports;
    private readonly List<Thread> _threads = [];
    private volatile bool _stopping;
    private long _lastErrorLog;

    /// <summary>A group of <paramref name="ports"/>, which it owns from now on.</summary>
    public ReceiveGroup(ReceiveGroupPlan plan, IPacketPort[] ports, ILogger logger)
    {
        Plan = plan;
        _pipeline = plan.Pipeline;
        _logger = logger;
        _mtu = plan.Mtu;
        _ports = ports;
    }

    /// <summary>What the group serves; a group is replaced when a reload's plan differs (by value) and it cannot follow (<see cref="TryServe"/>).</summary>
    public ReceiveGroupPlan Plan { get; private set; }

    /// <summary>The path its ports move frames on (<c>af_packet</c>, <c>af_xdp</c>, or <c>af_xdp+tc</c> with the fast path attached).</summary>
    public string Path => _ports switch
    {
        [Xdp.XdpPort { Steering.FastPath.IsAttached: true }, ..] => PacketSettings.AfXdpFastPath,
        [var first, ..] => first.Path,
        _ => PacketSettings.AfPacketPath,
    };

    /// <summary>
    /// Follows <paramref name="plan"/> without reopening when only the served frontend ports and NAT addresses
    /// changed and the path can change those in place (the AF_XDP path updates its steering map); false otherwise.
    /// </summary>
    public bool TryServe(ReceiveGroupPlan plan)
    {
        if (!Plan.DiffersOnlyInServed(plan) || _ports is not [Xdp.XdpPort { Steering: { } steering }, ..])
        {
            return false;
        }

        try
        {
            steering.Serve(Xdp.XdpPorts.KeysOf(plan));
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // Reopened instead, which reports what fails.
            return false;
        }

        Plan = plan;
        return true;
    }

    /// <summary>Worker threads: one per port.</summary>
    public int Workers => _ports.Length;

    public void Start()
    {
        for (var i = 0; i < _ports.Length; i++)
        {
            var port = _ports[i];
            var thread = new Thread(() => Run(port)) { IsBackground = true, Name = $"convey-packet-{i}" };
            _threads.Add(thread);

            // A worker serves every flow of its interface: it carries no caller's ExecutionContext (AsyncLocal
            // values, logging scopes, Activity.Current) of the reload that started it.
            thread.UnsafeStart();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        foreach (var port in _ports)
        {
            port.Dispose();
        }
    }

    private void Run(IPacketPort port)
    {
        var segment = GC.AllocateArray<byte>(65536, pinned: true);
        var counters = _pipeline.Counters;
        var tally = new ByteTally();
        while (!_stopping)
        {
            try
            {
                // Checked on every wake-up, packets or not: the poll interval bounds how late a publication is.
                tally.PublishIfDue(_pipeline.Time, _pipeline.StatsUpdateFrequency);
                var count = port.Receive();
                for (var i = 0; i < count; i++)
                {
                    Handle(port, port.Packet(i), segment, tally);
                }

                var refused = port.Flush();
                for (var i = 0; i < refused; i++)
                {
                    counters.OnDropped(DropReason.SendFailed);
                }
            }
            catch (Exception exception)
            {
                OnFault(exception);

                // A persistent failure (the interface went away) must not turn into a busy loop.
                Thread.Sleep(10);
            }
        }

        tally.Publish();
    }

    /// <summary>One packet: through the pipeline, then queued whole or cut to the MTU. A failure costs this packet only.</summary>
    private void Handle(IPacketPort port, ReceivedPacket packet, byte[] segment, ByteTally tally)
    {
        try
        {
            if (packet.IsTruncated)
            {
                _pipeline.Counters.OnReceived(packet.WireLength);
                _pipeline.Counters.OnDropped(DropReason.Oversized);
                return;
            }

            var data = packet.Data;
            var action = _pipeline.Process(data, packet.ChecksumNotReady, _mtu, tally);
            if (action.Kind == PacketActionKind.Drop)
            {
                return;
            }

            if (action.Length <= _mtu)
            {
                Send(port, action, data[..action.Length]);
                return;
            }

            var offset = 0;
            while (TcpSegmenter.Next(data[..action.Length], _mtu, ref offset, segment, out var segmentLength))
            {
                Send(port, action, segment.AsSpan(0, segmentLength));
            }
        }
        catch (Exception exception)
        {
            OnFault(exception);
        }
    }

    private void Send(IPacketPort port, in PacketAction action, ReadOnlySpan<byte> packet)
    {
        if (port.Send(packet, action))
        {
            _pipeline.Counters.OnSent(packet.Length);
        }
        else
        {
            _pipeline.Counters.OnDropped(DropReason.SendFailed);
        }
    }

    private void OnFault(Exception exception)
    {
        _pipeline.Counters.OnDropped(DropReason.Faulted);

        // At most one log line a second: a persistent failure must not flood the log.
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastErrorLog) > 1000)
        {
            Interlocked.Exchange(ref _lastErrorLog, now);
            LogPacketFailed(exception);
        }
    }

    [LoggerMessage(EventId = PacketLogEvents.PacketFailed, EventName = nameof(PacketLogEvents.PacketFailed), Level = LogLevel.Error, Message = "Packet handling failed; the packet was dropped")]
    private partial void LogPacketFailed(Exception exception);
}
