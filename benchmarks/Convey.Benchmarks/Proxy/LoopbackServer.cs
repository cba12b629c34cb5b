using System.Net;
using System.Net.Sockets;

namespace Convey.Benchmarks.Proxy;

/// <summary>A server on a free loopback port that hands each accepted connection to <see cref="ServeAsync"/> until disposed.</summary>
internal abstract class LoopbackServer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    protected LoopbackServer(int backlog)
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(backlog);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose() => _listener.Dispose();

    /// <summary>Serves one connection and disposes it.</summary>
    protected abstract Task ServeAsync(Socket socket);

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync();
                socket.NoDelay = true;
                _ = ServeAsync(socket);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Disposed: the benchmark is over.
        }
    }
}
