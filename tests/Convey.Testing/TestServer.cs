using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Testing;

/// <summary>
/// A TCP server on loopback that runs a handler per accepted connection: the backend of every test that sends
/// traffic through the balancer. Its port is reserved (<see cref="ReservedPort"/>) until it is disposed, so a server
/// that stops listening looks dead (connections refused) without its port going to anyone else.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly ReservedPort _port;
    private readonly Socket _listener;
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentBag<Task> _handlers = [];
    private readonly ConcurrentBag<Socket> _accepted = [];
    private readonly Task _acceptLoop;
    private int _connections;
    private int _stopped;

    private TestServer(Func<Socket, CancellationToken, Task> handler, IPAddress address, int port, int backlog)
    {
        _handler = handler;
        _port = new ReservedPort(address, port);
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            ReservedPort.AllowListenersAlongside(_listener);
            _listener.Bind(_port.EndPoint);
            _listener.Listen(backlog);
        }
        catch
        {
            _listener.Dispose();
            _port.Dispose();
            throw;
        }

        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => _port.EndPoint;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>
    /// Runs <paramref name="handler"/> for each connection on <paramref name="address"/> (default 127.0.0.1), on a fresh
    /// port or on <paramref name="port"/> (to bring back a server that stopped). The connection is closed when the
    /// handler ends; a peer that goes away and the server's disposal end it quietly.
    /// </summary>
    public static TestServer Start(Func<Socket, CancellationToken, Task> handler, IPAddress? address = null, int port = 0, int backlog = 512) =>
        new(handler, address ?? IPAddress.Loopback, port, backlog);

    /// <inheritdoc cref="Start(Func{Socket, CancellationToken, Task}, IPAddress?, int, int)"/>
    public static TestServer Start(Func<Socket, Task> handler, IPAddress? address = null) =>
        new((socket, _) => handler(socket), address ?? IPAddress.Loopback, 0, 512);

    /// <summary>Echoes every byte back, and half-closes when the client does.</summary>
    public static TestServer Echo(IPAddress? address = null, int port = 0) => Start(EchoAsync, address, port);

    /// <summary>
    /// Reads what the client sends until it half-closes, answers with <paramref name="answer"/> of it and half-closes.
    /// A connection that sends nothing (a health probe) gets the answer to an empty request, if it is still there.
    /// </summary>
    public static TestServer Answer(Func<byte[], byte[]> answer) => Start(async (socket, ct) =>
    {
        var request = await Loopback.ReadToEndAsync(socket, cancellationToken: ct);
        await socket.SendAsync(answer(request), SocketFlags.None, ct);
        socket.Shutdown(SocketShutdown.Send);
    });

    /// <summary>Reads the client's bytes until it half-closes, then sends <paramref name="reply"/> bytes and closes.</summary>
    public static TestServer ReadAllThenReply(int reply) => Answer(_ => Loopback.Bytes(reply));

    /// <summary>
    /// A minimal HTTP/1.1 server, like the original Convey's test servers: reads a request's head, answers 200 with
    /// <paramref name="body"/> and closes. A connection that sends nothing (a health probe) is closed without reply.
    /// </summary>
    public static TestServer Http(string body) => Start(async (socket, ct) =>
    {
        var head = new byte[8192];
        var length = 0;
        while (length < head.Length && head.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
        {
            var read = await socket.ReceiveAsync(head.AsMemory(length), SocketFlags.None, ct);
            if (read == 0)
            {
                return;
            }

            length += read;
        }

        var content = Encoding.UTF8.GetBytes(body);
        var response = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n");
        await socket.SendAsync(response.Concat(content).ToArray(), SocketFlags.None, ct);
        socket.Shutdown(SocketShutdown.Send);
    });

    /// <summary>Stops listening: new connections are refused, as by a dead server; established ones go on.</summary>
    public async Task StopListeningAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _listener.Dispose();
        await _acceptLoop;
    }

    /// <summary>Stops listening, closes every connection it accepted and frees the port.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopListeningAsync();
        await _stopping.CancelAsync();
        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_handlers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _port.Dispose();
        _stopping.Dispose();
    }

    private static async Task EchoAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
        }
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
            _handlers.Add(Task.Run(() => HandleAsync(socket)));
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                await _handler(socket, _stopping.Token);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The peer went away or the server is closing; the test asserts what it cares about.
            }
        }
    }
}
