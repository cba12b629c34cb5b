using System.Net;
using System.Net.Sockets;

namespace Convey.Proxy.Tests.Support;

/// <summary>
/// A loopback port held bound (never listening) for a test's lifetime: connecting to it is refused at once, and
/// neither another listener nor an outgoing connection's source port can take it meanwhile. A port merely bound
/// and released (<see cref="Loopback.ClosedPort"/>) can be handed out again while the test still counts on it
/// refusing, which happens when the whole solution's tests churn through the ephemeral range in parallel.
/// </summary>
internal sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket;

    /// <summary>Holds <paramref name="port"/> on 127.0.0.1, or a fresh port when 0.</summary>
    public RefusingPort(int port = 0)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose() => _socket.Dispose();
}
