using System.Net;
using System.Net.Sockets;

namespace Convey.Testing;

/// <summary>
/// A port bound for a test's lifetime and never listening. Nothing listens there, so a connection to it is refused at
/// once; the kernel hands the port to no one else meanwhile (not to another <c>bind</c> to port 0, not as the source
/// port of a connection), so a test that needs a port number in a configuration never races the rest of the suite
/// for it. The socket sets SO_REUSEADDR, as the balancer's listeners, Kestrel and <see cref="TestServer"/> do: they
/// can listen on the reserved port, and when they stop, the port is refused again rather than free.
/// </summary>
/// <remarks>
/// A port bound and released at once (the pattern this replaces) may be given out again while the test still
/// counts on it, which happens when a whole solution's tests churn through the ephemeral range in parallel.
/// </remarks>
public sealed class ReservedPort : IDisposable
{
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;
    private readonly Socket _socket;

    /// <summary>Reserves a fresh port on <paramref name="address"/> (default 127.0.0.1), or <paramref name="port"/> when not 0.</summary>
    public ReservedPort(IPAddress? address = null, int port = 0)
    {
        var on = address ?? IPAddress.Loopback;
        _socket = new Socket(on.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            AllowListenersAlongside(_socket);
            _socket.Bind(new IPEndPoint(on, port));
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The reserved address and port.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The reserved port number.</summary>
    public int Port => EndPoint.Port;

    /// <summary>
    /// A listener on the reserved port that never accepts: a squatter, so that whatever else tries to listen there
    /// fails with "address already in use". Disposing it frees the port for others to listen on; it stays reserved.
    /// </summary>
    public Socket Occupy()
    {
        var squatter = new Socket(EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            AllowListenersAlongside(squatter);
            squatter.Bind(EndPoint);
            squatter.Listen();
            return squatter;
        }
        catch
        {
            squatter.Dispose();
            throw;
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>
    /// SO_REUSEADDR alone. Not <see cref="SocketOptionName.ReuseAddress"/>: on Linux .NET sets SO_REUSEPORT with it,
    /// which would let a second listener share the port instead of being refused.
    /// </summary>
    internal static void AllowListenersAlongside(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        }
        else
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }
    }
}
