using System.Net.Sockets;
using System.Text;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Xdp;

/// <summary>How many receive queues an interface spreads its traffic over (ethtool's channels), so each gets an AF_XDP socket.</summary>
internal static class ReceiveQueues
{
    /// <summary>
    /// The receive and combined channels of <paramref name="interfaceName"/> in the calling thread's network namespace;
    /// 1 for a device that does not report channels (it receives on one queue).
    /// </summary>
    public static unsafe int Of(string interfaceName)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var channels = new EthtoolChannels { Command = Libc.ETHTOOL_GCHANNELS };
        var request = new InterfaceRequest { Data = &channels };
        var length = Encoding.ASCII.GetBytes(interfaceName.AsSpan(0, Math.Min(interfaceName.Length, 15)), new Span<byte>(request.Name, 15));
        request.Name[length] = 0;
        if (Libc.Ioctl(socket.SafeHandle, Libc.SIOCETHTOOL, &request) != 0)
        {
            return 1;
        }

        return (int)Math.Max(1, channels.Receive + channels.Combined);
    }
}
