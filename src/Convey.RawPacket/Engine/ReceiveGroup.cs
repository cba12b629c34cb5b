using System.Net;
using System.Net.Sockets;
using Convey.RawPacket.Interop;
using Convey.RawPacket.Packets;
using Microsoft.Extensions.Logging;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The receive threads of one interface: one AF_PACKET socket per worker in a PACKET_FANOUT group (flows are
/// spread by hash), each with its own raw IPv4 socket (IP_HDRINCL) for routed sends. A thread never lets an
/// exception out: every failure is counted as a drop and logged.
/// </summary>
internal sealed partial class ReceiveGroup : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private readonly PacketPipeline _pipeline;
    private readonly ILogger _logger;
    private readonly int _mtu;
    private readonly List<(PacketSocket Packets, Socket Raw)> _sockets = [];
    private readonly List<Thread> _threads = [];
    private volatile bool _stopping;
    private long _lastErrorLog;

    public ReceiveGroup(ReceiveGroupPlan plan, SocketFilterInstruction[] filter, ILogger logger)
    {
        Plan = plan;
        _pipeline = plan.Pipeline;
        _logger = logger;
        _mtu = plan.Mtu;
        var (interfaceIndex, workers) = (plan.InterfaceIndex, plan.Workers);
        var fanout = (ushort)Random.Shared.Next(1, ushort.MaxValue);
        try
        {
            for (var i = 0; i < workers; i++)
            {
                var packets = PacketSocket.Open(interfaceIndex, filter, workers > 1 ? fanout : (ushort)0, PollInterval);
                var raw = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw);
                _sockets.Add((packets, raw));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>What the group was opened for; a group is replaced when a reload's plan differs (by value).</summary>
    public ReceiveGroupPlan Plan { get; }

    public void Start()
    {
        for (var i = 0; i < _sockets.Count; i++)
        {
            var (packets, raw) = _sockets[i];
            var thread = new Thread(() => Run(packets, raw)) { IsBackground = true, Name = $"convey-packet-{i}" };
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

        foreach (var (packets, raw) in _sockets)
        {
            packets.Dispose();
            raw.Dispose();
        }

        _sockets.Clear();
    }

    private void Run(PacketSocket packets, Socket raw)
    {
        var buffer = GC.AllocateArray<byte>(65536, pinned: true);
        var segment = GC.AllocateArray<byte>(65536, pinned: true);
        var destination = new IPEndPoint(IPAddress.Any, 0).Serialize();
        var counters = _pipeline.Counters;
        var tally = new ByteTally();
        while (!_stopping)
        {
            try
            {
                // Checked on every wake-up, packets or not: the receive timeout bounds how late a publication is.
                tally.PublishIfDue(_pipeline.Time, _pipeline.StatsUpdateFrequency);
                var length = packets.Receive(buffer, out var checksumNotReady);
                if (length < 0)
                {
                    continue;
                }

                if (length > buffer.Length)
                {
                    counters.OnReceived(length);
                    counters.OnDropped(DropReason.Oversized);
                    continue;
                }

                var action = _pipeline.Process(buffer.AsSpan(0, length), checksumNotReady, _mtu, tally);
                if (action.Kind == PacketActionKind.Drop)
                {
                    continue;
                }

                if (action.Length <= _mtu)
                {
                    Send(packets, raw, action, buffer.AsSpan(0, action.Length), destination);
                    continue;
                }

                var offset = 0;
                while (TcpSegmenter.Next(buffer.AsSpan(0, action.Length), _mtu, ref offset, segment, out var segmentLength))
                {
                    Send(packets, raw, action, segment.AsSpan(0, segmentLength), destination);
                }
            }
            catch (Exception exception)
            {
                counters.OnDropped(DropReason.Faulted);
                // At most one log line a second: a persistent failure must not flood the log.
                var now = Environment.TickCount64;
                if (now - Interlocked.Read(ref _lastErrorLog) > 1000)
                {
                    Interlocked.Exchange(ref _lastErrorLog, now);
                    LogPacketFailed(exception);
                }

                // A persistent failure (the interface went away) must not turn into a busy loop.
                Thread.Sleep(10);
            }
        }

        tally.Publish();
    }

    private void Send(PacketSocket packets, Socket raw, PacketAction action, ReadOnlySpan<byte> packet, SocketAddress destination)
    {
        var sent = action.Kind == PacketActionKind.SendRouted
            ? SendRouted(raw, packet, action.Destination.IPv4, destination)
            : packets.Send(packet, action.HardwareAddress);
        if (sent)
        {
            _pipeline.Counters.OnSent(packet.Length);
        }
        else
        {
            _pipeline.Counters.OnDropped(DropReason.SendFailed);
        }
    }

    private static bool SendRouted(Socket raw, ReadOnlySpan<byte> packet, uint address, SocketAddress destination)
    {
        var bytes = destination.Buffer.Span;
        bytes[4] = (byte)(address >> 24);
        bytes[5] = (byte)(address >> 16);
        bytes[6] = (byte)(address >> 8);
        bytes[7] = (byte)address;
        try
        {
            return raw.SendTo(packet, SocketFlags.None, destination) == packet.Length;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = PacketLogEvents.PacketFailed, EventName = nameof(PacketLogEvents.PacketFailed), Level = LogLevel.Error, Message = "Packet handling failed; the packet was dropped")]
    private partial void LogPacketFailed(Exception exception);
}
