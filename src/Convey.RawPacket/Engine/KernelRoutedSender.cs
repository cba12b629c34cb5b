using System.Net;
using System.Net.Sockets;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>
/// Raw IPv4 and IPv6 sockets (the packet carries its own header) for the routed packets whose next hop
/// <see cref="NextHopTable"/> does not know: the kernel routes those and resolves their neighbour. One per worker.
/// </summary>
internal sealed class KernelRoutedSender : IDisposable
{
    private readonly Socket _raw;
    private readonly Socket? _raw6;
    private readonly SocketAddress _destination = new IPEndPoint(IPAddress.Any, 0).Serialize();
    private readonly SocketAddress _destination6 = new IPEndPoint(IPAddress.IPv6Any, 0).Serialize();

    /// <summary>Opens the sockets; IPv6 only where the host has it.</summary>
    /// <exception cref="SocketException">The raw IPv4 socket could not be opened (no CAP_NET_RAW).</exception>
    public KernelRoutedSender()
    {
        _raw = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw);
        try
        {
            _raw6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.Raw);
        }
        catch (SocketException)
        {
            _raw6 = null;
        }
    }

    /// <summary>Hands <paramref name="packet"/> to the kernel's routing for <paramref name="destination"/>; false when it refused.</summary>
    public bool Send(ReadOnlySpan<byte> packet, PacketAddress destination)
    {
        if (destination.IsIPv4)
        {
            var address = destination.IPv4;
            var bytes = _destination.Buffer.Span;
            bytes[4] = (byte)(address >> 24);
            bytes[5] = (byte)(address >> 16);
            bytes[6] = (byte)(address >> 8);
            bytes[7] = (byte)address;
            return Send(_raw, packet, _destination);
        }

        // struct sockaddr_in6: family, port, flow info, then the address at offset 8.
        destination.WriteTo(_destination6.Buffer.Span[8..]);
        return _raw6 is not null && Send(_raw6, packet, _destination6);
    }

    public void Dispose()
    {
        _raw.Dispose();
        _raw6?.Dispose();
    }

    private static bool Send(Socket raw, ReadOnlySpan<byte> packet, SocketAddress destination)
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
