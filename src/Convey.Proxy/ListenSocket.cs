using System.Net;
using System.Net.Sockets;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy;

/// <summary>Opens a frontend's listening socket: bound, listening, with the address-reuse options the frontend asks for.</summary>
internal static class ListenSocket
{
    public static Socket Open(IPEndPoint endPoint, bool reusePort, int backlog)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            SetReuse(socket, reusePort);
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // [::] serves IPv6 only, so a frontend on 0.0.0.0 and one on [::] may share a port.
                socket.DualMode = false;
            }

            socket.NoDelay = true;
            socket.Bind(endPoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// SO_REUSEADDR only (a restart binds over connections in TIME_WAIT), unless the frontend asks for SO_REUSEPORT.
    /// Not <see cref="SocketOptionName.ReuseAddress"/>: on Linux .NET sets SO_REUSEPORT with it, and a second
    /// process on the same address would then bind too and silently take part of the traffic.
    /// </summary>
    private static void SetReuse(Socket socket, bool reusePort)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (reusePort)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            return;
        }

        socket.SetRawSocketOption(Native.SolSocket, Native.SoReuseAddr, BitConverter.GetBytes(1));
        if (reusePort)
        {
            socket.SetRawSocketOption(Native.SolSocket, Native.SoReusePort, BitConverter.GetBytes(1));
        }
    }
}
