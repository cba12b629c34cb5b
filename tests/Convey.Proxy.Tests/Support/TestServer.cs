using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Convey.Proxy.Tests.Support;

/// <summary>A loopback TCP server on an ephemeral port that runs a handler per accepted connection.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, Task> _handler;
    private readonly ConcurrentBag<Task> _handlers = [];
    private readonly ConcurrentBag<Socket> _accepted = [];
    private readonly Task _acceptLoop;
    private int _connections;

    private TestServer(IPAddress address, Func<Socket, Task> handler, int backlog, int port = 0)
    {
        _handler = handler;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(new IPEndPoint(address, port));
        _listener.Listen(backlog);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public static TestServer Start(Func<Socket, Task> handler, IPAddress? address = null) =>
        new(address ?? IPAddress.Loopback, handler, 512);

    /// <summary>Echoes every byte back, and half-closes when the client does; on <paramref name="port"/> to revive a server that was stopped.</summary>
    public static TestServer Echo(IPAddress? address = null, int port = 0) => new(address ?? IPAddress.Loopback, EchoAsync, 512, port);

    public static async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0)
            {
                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
        }
    }

    /// <summary>Stops accepting and closes every connection it accepted.</summary>
    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _acceptLoop;
        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_handlers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _accepted.Add(socket);
            _handlers.Add(Task.Run(async () =>
            {
                try
                {
                    await _handler(socket);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    // The peer went away; the test asserts what it cares about.
                }
                finally
                {
                    socket.Dispose();
                }
            }));
        }
    }
}
