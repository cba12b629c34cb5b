using System.Net;
using System.Net.Sockets;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Udp;

/// <summary>
/// Opens a UDP frontend's socket: bound, non-blocking, reporting each datagram's local address (so replies leave from
/// the address the client sent to, also on 0.0.0.0 and [::]), with a large receive buffer to ride out bursts.
/// </summary>
internal static class UdpSocket
{
    /// <summary>Asked for; the kernel grants at most <c>net.core.rmem_max</c>.</summary>
    private const int ReceiveBuffer = 4 * 1024 * 1024;

    public static Socket Open(IPEndPoint endPoint, bool reusePort)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // No SO_REUSEADDR: for UDP it would let a second socket bind the same address and take part of the datagrams.
            if (reusePort)
            {
                socket.SetRawSocketOption(Native.SolSocket, Native.SoReusePort, BitConverter.GetBytes(1));
            }

            var one = BitConverter.GetBytes(1);
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // [::] serves IPv6 only, as the TCP frontends do.
                socket.DualMode = false;
                socket.SetRawSocketOption(Native.IpProtoIpv6, Native.Ipv6ReceivePacketInfo, one);
            }
            else
            {
                socket.SetRawSocketOption(Native.IpProtoIp, Native.IpPacketInfo, one);
            }

            socket.ReceiveBufferSize = ReceiveBuffer;
            socket.Bind(endPoint);
            socket.Blocking = false;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
