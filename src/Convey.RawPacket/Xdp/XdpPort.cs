using System.Buffers.Binary;
using Convey.RawPacket.Engine;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// The AF_XDP path of one worker: the AF_XDP socket of one receive queue. A received frame is handed to the
/// pipeline from its IP header on, in the UMEM where it arrived; a forwarded packet gets its Ethernet addresses
/// written in front of it (the next hop's from <see cref="NextHopTable"/>, the interface's own as source) and is
/// sent from the same frame on the same socket. A packet whose next hop is unknown goes through the kernel's
/// routing (<see cref="KernelRoutedSender"/>), which also makes the kernel resolve the neighbour.
/// The queue-0 port owns the interface's <see cref="XdpSteering"/> and detaches it when disposed. A packet the pipeline
/// offers to the fast path (<see cref="PacketAction.Offer"/>) has its rewrite installed in the interface's
/// <see cref="FastPath"/> once that is attached, with the Ethernet addresses written here.
/// </summary>
internal sealed class XdpPort : IPacketPort
{
    /// <summary>Frames taken from the receive ring at once.</summary>
    public const uint BatchSize = 64;

    private const int EthernetHeaderLength = 14;
    private readonly XskSocket _socket;
    private readonly KernelRoutedSender _routed;
    private readonly NextHopTable _nextHops;
    private readonly int _interfaceIndex;
    private readonly ulong _sourceMac;
    private readonly int _pollMilliseconds;
    private readonly FastPath? _fastPath;
    private readonly FastPathFlows? _fastPathFlows;
    private readonly ulong[] _batch = new ulong[BatchSize];
    private readonly byte[] _linkLength = new byte[XskSocket.FrameCount];
    private readonly bool[] _sent = new bool[XskSocket.FrameCount];
    private uint _count;

    public XdpPort(
        XskSocket socket, XdpSteering? steering, NextHopTable nextHops, ulong sourceMac, TimeSpan pollInterval, FastPath? fastPath = null, FastPathFlows? fastPathFlows = null)
    {
        _fastPath = fastPath;
        _fastPathFlows = fastPathFlows;
        _socket = socket;
        Steering = steering;
        _nextHops = nextHops;
        _interfaceIndex = socket.Binding.InterfaceIndex;
        _sourceMac = sourceMac;
        _pollMilliseconds = (int)pollInterval.TotalMilliseconds;
        _routed = new KernelRoutedSender();
    }

    /// <inheritdoc />
    public string Path => PacketSettings.AfXdpPath;

    /// <summary>Whether the socket runs zero-copy (else copy mode).</summary>
    public bool ZeroCopy => _socket.ZeroCopy;

    /// <summary>The steering program of the interface, on the port that owns it (queue 0); null on the others.</summary>
    public XdpSteering? Steering { get; }

    /// <inheritdoc />
    public int Receive()
    {
        _count = _socket.WaitForReceive(_pollMilliseconds) ? _socket.Receive(BatchSize) : 0;
        return (int)_count;
    }

    /// <inheritdoc />
    public ReceivedPacket Packet(int index)
    {
        var frame = _socket.Frame((uint)index, out var address, out var length);
        _batch[index] = address;
        // The program steered only Ethernet frames with IPv4 or IPv6 after at most one VLAN tag.
        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var link = type is 0x8100 or 0x88a8 ? EthernetHeaderLength + 4 : EthernetHeaderLength;
        _linkLength[address / XskSocket.FrameSize] = (byte)link;
        var packet = frame[link..length];
        return new ReceivedPacket(packet, packet.Length, PartialChecksum.IsPartial(packet));
    }

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> packet, in PacketAction action)
    {
        ulong destinationMac;
        if (action.Kind == PacketActionKind.SendToHardwareAddress)
        {
            destinationMac = action.HardwareAddress;
        }
        else if (!_nextHops.TryResolve(action.Destination, _interfaceIndex, out destinationMac))
        {
            return _routed.Send(packet, action.Destination);
        }

        if (action.Offer != FastPathOffer.None && _fastPath is { IsAttached: true } fastPath)
        {
            _fastPathFlows?.Offer(fastPath, action, packet, destinationMac, _sourceMac);
        }

        if (_socket.TryLocate(packet, out var address))
        {
            // The received frame itself: its link header (with the VLAN tag it came with) is still in front of it.
            var frame = address / XskSocket.FrameSize;
            var link = _linkLength[frame];
            _sent[frame] = true;
            var start = address - link;
            WriteAddresses(_socket.At(start), destinationMac);
            return _socket.Transmit(start, link + packet.Length);
        }

        if (!_socket.TryTakeFrame(out var free))
        {
            return false;
        }

        var target = _socket.At(free);
        if (target.Length < EthernetHeaderLength + packet.Length)
        {
            _socket.Recycle(free);
            return false;
        }

        WriteAddresses(target, destinationMac);
        BinaryPrimitives.WriteUInt16BigEndian(target[12..], (packet[0] >> 4) == 6 ? (ushort)0x86DD : (ushort)0x0800);
        packet.CopyTo(target[EthernetHeaderLength..]);
        return _socket.Transmit(free, EthernetHeaderLength + packet.Length);
    }

    /// <inheritdoc />
    public int Flush()
    {
        for (var i = 0; i < _count; i++)
        {
            var frame = _batch[i] / XskSocket.FrameSize;
            if (_sent[frame])
            {
                _sent[frame] = false;
            }
            else
            {
                _socket.Recycle(_batch[i]);
            }
        }

        _count = 0;
        _socket.Complete();
        return 0;
    }

    public void Dispose()
    {
        // The program first: frames stop arriving before the socket closes.
        if (Steering?.FastPath is { IsAttached: true } fastPath)
        {
            _fastPathFlows?.OnDetached(fastPath);
        }

        Steering?.Dispose();
        _socket.Dispose();
        _routed.Dispose();
    }

    private void WriteAddresses(Span<byte> frame, ulong destinationMac)
    {
        for (var i = 0; i < 6; i++)
        {
            frame[i] = (byte)(destinationMac >> (40 - (8 * i)));
            frame[6 + i] = (byte)(_sourceMac >> (40 - (8 * i)));
        }
    }
}
