using System.Net;
using System.Net.Sockets;

namespace Convey.Host.Demo;

/// <summary>Tells whether another process already listens on an address (connections in TIME_WAIT do not count).</summary>
internal static class PortCheck
{
    public static bool IsTaken(IPEndPoint endPoint)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(endPoint);
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
    }
}
