using System.Net;
using System.Net.Sockets;

namespace Convey.Testing;

/// <summary>
/// A listener whose accept queue is full: Linux then drops new SYNs without answering, so a connect to it hangs
/// until the caller's timeout, like a server behind a black hole.
/// </summary>
public sealed class SilentServer : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _queued = [];

    private SilentServer()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(0);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public static SilentServer Start()
    {
        var server = new SilentServer();
        try
        {
            server.FillQueue();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var socket in _queued)
        {
            socket.Dispose();
        }

        _listener.Dispose();
    }

    private void FillQueue()
    {
        // With backlog 0 the queue holds one connection; an attempt that does not complete within its bound proves
        // it is full (a bounded "nothing answers within 200 ms" check, not a wait for something to happen).
        for (var i = 0; i < 4; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _queued.Add(socket);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            try
            {
                socket.ConnectAsync(EndPoint, timeout.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        throw new InvalidOperationException("The accept queue never filled up.");
    }
}
