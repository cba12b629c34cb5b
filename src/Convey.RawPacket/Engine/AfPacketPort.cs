using System.Net.Sockets;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The AF_PACKET path of one worker: an AF_PACKET socket on the interface (in the group's PACKET_FANOUT, behind the
/// classic BPF filter) whose TPACKET_V2 ring hands over every packet ready at once and whose <c>sendmmsg</c> sends a
/// batch of frames at a time, and the kernel's routing (<see cref="KernelRoutedSender"/>) for the routed packets
/// whose next hop <see cref="NextHopTable"/> does not know.
/// </summary>
internal sealed class AfPacketPort : IPacketPort
{
    /// <summary>Most frames handled between two flushes.</summary>
    public const int BatchSize = 256;

    private readonly PacketSocket _packets;
    private readonly PacketSendQueue _queue;
    private readonly KernelRoutedSender _routed;
    private readonly NextHopTable _nextHops;
    private readonly RingPacket[] _batch = new RingPacket[BatchSize];
    private readonly byte[] _copy = GC.AllocateArray<byte>(1 << 17, pinned: true);
    private readonly int _pollMilliseconds;
    private readonly int _frames;
    private readonly int _interfaceIndex;
    private int _next;
    private int _taken;
    private int _copyIndex = -1;
    private int _copyLength;

    private AfPacketPort(PacketSocket packets, KernelRoutedSender routed, NextHopTable nextHops, TimeSpan pollInterval)
    {
        _packets = packets;
        _queue = new PacketSendQueue(packets);
        _routed = routed;
        _nextHops = nextHops;
        _pollMilliseconds = (int)pollInterval.TotalMilliseconds;
        _frames = PacketSocket.RingSize / packets.FrameSize;
        _interfaceIndex = packets.InterfaceIndex;
    }

    /// <inheritdoc />
    public string Path => PacketSettings.AfPacketPath;

    /// <summary>Opens the sockets of one worker on <paramref name="interfaceIndex"/> (of MTU <paramref name="mtu"/>); fanout group 0 joins none.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">A system call failed (often: missing CAP_NET_RAW).</exception>
    /// <exception cref="SocketException">The raw socket could not be opened.</exception>
    public static AfPacketPort Open(int interfaceIndex, int mtu, SocketFilterInstruction[] filter, ushort fanoutGroup, TimeSpan pollInterval, NextHopTable nextHops)
    {
        var packets = PacketSocket.Open(interfaceIndex, mtu, filter, fanoutGroup);
        try
        {
            return new AfPacketPort(packets, new KernelRoutedSender(), nextHops, pollInterval);
        }
        catch
        {
            packets.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public int Receive()
    {
        var ring = _packets.Ring;
        var frameSize = _packets.FrameSize;
        _taken = RingFrames.Collect(ring, frameSize, _next, _batch, out var count, _interfaceIndex);
        if (_taken == 0)
        {
            _packets.Wait(_pollMilliseconds);
            _taken = RingFrames.Collect(ring, frameSize, _next, _batch, out count, _interfaceIndex);
        }

        // The frames stay ours until Flush: their packets are rewritten and sent from where they lie.
        _queue.SendInPlace(ring);
        if (count > 0 && (_batch[count - 1].Status & Libc.TP_STATUS_COPY) != 0)
        {
            var length = _packets.ReceiveCopy(_copy);
            if (length == _batch[count - 1].WireLength)
            {
                (_copyIndex, _copyLength) = (count - 1, length);
            }
        }

        return count;
    }

    /// <inheritdoc />
    public ReceivedPacket Packet(int index)
    {
        var packet = _batch[index];
        var checksumNotReady = (packet.Status & Libc.TP_STATUS_CSUMNOTREADY) != 0;
        return index == _copyIndex
            ? new ReceivedPacket(_copy.AsSpan(0, _copyLength), _copyLength, checksumNotReady)
            : new ReceivedPacket(_packets.Ring.Slice(packet.Offset, packet.Captured), packet.WireLength, checksumNotReady);
    }

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> packet, in PacketAction action)
    {
        if (action.Kind == PacketActionKind.SendToHardwareAddress)
        {
            return _queue.Enqueue(packet, action.HardwareAddress);
        }

        var destination = action.Destination;
        if (_nextHops.TryResolve(destination, _interfaceIndex, out var nextHop))
        {
            return _queue.Enqueue(packet, nextHop);
        }

        return _routed.Send(packet, destination);
    }

    /// <inheritdoc />
    public int Flush()
    {
        var refused = _queue.Flush();
        RingFrames.Release(_packets.Ring, _packets.FrameSize, _next, _taken);
        _next = (_next + _taken) % _frames;
        _taken = 0;
        _copyIndex = -1;
        return refused;
    }

    public void Dispose()
    {
        _queue.Dispose();
        _packets.Dispose();
        _routed.Dispose();
    }
}
