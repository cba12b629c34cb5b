using System.Net;
using System.Net.Sockets;

namespace Convey.Host.Tests.Infrastructure;

/// <summary>
/// A loopback port that was free a moment ago, for the host's configuration file (which needs a number, not 0).
/// The kernel hands out ephemeral ports in turn, so a port just released is not handed out again soon.
/// </summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
