using System.Net.Sockets;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The AF_PACKET path of one worker: an AF_PACKET socket on the interface (in the group's PACKET_FANOUT, behind the
/// classic BPF filter) that receives and sends frames, and the kernel's routing (<see cref="KernelRoutedSender"/>)
/// for the routed packets whose next hop <see cref="NextHopTable"/> does not know.
/// </summary>
internal sealed class AfPacketPort : IPacketPort
{
    private readonly PacketSocket _packets;
    private readonly KernelRoutedSender _routed;
    private readonly NextHopTable _nextHops;
    private readonly int _interfaceIndex;
    private readonly byte[] _buffer = GC.AllocateArray<byte>(65536, pinned: true);
    private int _length;
    private bool _checksumNotReady;

    private AfPacketPort(PacketSocket packets, KernelRoutedSender routed, NextHopTable nextHops, int interfaceIndex)
    {
        _packets = packets;
        _routed = routed;
        _nextHops = nextHops;
        _interfaceIndex = interfaceIndex;
    }

    /// <inheritdoc />
    public string Path => PacketSettings.AfPacketPath;

    /// <summary>Opens the sockets of one worker on <paramref name="interfaceIndex"/>; fanout group 0 joins none.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">A system call failed (often: missing CAP_NET_RAW).</exception>
    /// <exception cref="SocketException">The raw socket could not be opened.</exception>
    public static AfPacketPort Open(int interfaceIndex, SocketFilterInstruction[] filter, ushort fanoutGroup, TimeSpan pollInterval, NextHopTable nextHops)
    {
        var packets = PacketSocket.Open(interfaceIndex, filter, fanoutGroup, pollInterval);
        try
        {
            return new AfPacketPort(packets, new KernelRoutedSender(), nextHops, interfaceIndex);
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
        _length = _packets.Receive(_buffer, out _checksumNotReady);
        return _length < 0 ? 0 : 1;
    }

    /// <inheritdoc />
    public ReceivedPacket Packet(int index) =>
        new(_buffer.AsSpan(0, Math.Min(_length, _buffer.Length)), _length, _checksumNotReady);

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> packet, in PacketAction action)
    {
        if (action.Kind == PacketActionKind.SendToHardwareAddress)
        {
            return _packets.Send(packet, action.HardwareAddress);
        }

        var destination = action.Destination;
        if (_nextHops.TryResolve(destination, _interfaceIndex, out var nextHop))
        {
            return _packets.Send(packet, nextHop);
        }

        return _routed.Send(packet, destination);
    }

    /// <inheritdoc />
    public int Flush() => 0;

    public void Dispose()
    {
        _packets.Dispose();
        _routed.Dispose();
    }
}
