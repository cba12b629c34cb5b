using System.Net;
using System.Net.Sockets;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The AF_PACKET path of one worker: an AF_PACKET socket on the interface (in the group's PACKET_FANOUT, behind the
/// classic BPF filter) that receives and sends frames, and raw IPv4 and IPv6 sockets (header included) for the
/// routed packets whose next hop <see cref="NextHopTable"/> does not know: the kernel routes those and resolves
/// their neighbour.
/// </summary>
internal sealed class AfPacketPort : IPacketPort
{
    private readonly PacketSocket _packets;
    private readonly Socket _raw;
    private readonly Socket? _raw6;
    private readonly NextHopTable _nextHops;
    private readonly int _interfaceIndex;
    private readonly byte[] _buffer = GC.AllocateArray<byte>(65536, pinned: true);
    private readonly SocketAddress _rawDestination = new IPEndPoint(IPAddress.Any, 0).Serialize();
    private readonly SocketAddress _raw6Destination = new IPEndPoint(IPAddress.IPv6Any, 0).Serialize();
    private int _length;
    private bool _checksumNotReady;

    private AfPacketPort(PacketSocket packets, Socket raw, Socket? raw6, NextHopTable nextHops, int interfaceIndex)
    {
        _packets = packets;
        _raw = raw;
        _raw6 = raw6;
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
        Socket? raw = null;
        try
        {
            raw = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw);
            return new AfPacketPort(packets, raw, OpenRawIPv6(), nextHops, interfaceIndex);
        }
        catch
        {
            raw?.Dispose();
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

        if (destination.IsIPv4)
        {
            var address = destination.IPv4;
            var bytes = _rawDestination.Buffer.Span;
            bytes[4] = (byte)(address >> 24);
            bytes[5] = (byte)(address >> 16);
            bytes[6] = (byte)(address >> 8);
            bytes[7] = (byte)address;
            return SendRouted(_raw, packet, _rawDestination);
        }

        // struct sockaddr_in6: family, port, flow info, then the address at offset 8.
        destination.WriteTo(_raw6Destination.Buffer.Span[8..]);
        return _raw6 is not null && SendRouted(_raw6, packet, _raw6Destination);
    }

    /// <inheritdoc />
    public int Flush() => 0;

    public void Dispose()
    {
        _packets.Dispose();
        _raw.Dispose();
        _raw6?.Dispose();
    }

    /// <summary>An IPv6 raw socket (IPPROTO_RAW: the packet carries its own header); null where the host has no IPv6.</summary>
    private static Socket? OpenRawIPv6()
    {
        try
        {
            return new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.Raw);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static bool SendRouted(Socket raw, ReadOnlySpan<byte> packet, SocketAddress destination)
    {
        try
        {
            return raw.SendTo(packet, SocketFlags.None, destination) == packet.Length;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
