using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Host.Tests.Infrastructure;

/// <summary>A TCP server on an ephemeral loopback port that runs a handler per connection; stop it to make it look dead.</summary>
internal sealed class TestBackend : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private int _stopped;

    private TestBackend(Func<Socket, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Reads the client's bytes until it half-closes, then sends <paramref name="reply"/> bytes and closes.</summary>
    public static TestBackend ReadAllThenReply(int reply) => new(async (socket, ct) =>
    {
        await Traffic.ReadToEndAsync(socket, ct);
        await Traffic.SendAsync(socket, reply, ct);
        socket.Shutdown(SocketShutdown.Send);
    });

    /// <summary>
    /// A minimal HTTP/1.1 server, like the original Convey's test servers: reads a request's head, answers 200 with
    /// <paramref name="body"/> and closes. A connection that sends nothing (a health probe) is closed without reply.
    /// </summary>
    public static TestBackend Http(string body) => new(async (socket, ct) =>
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

    /// <summary>Sends <paramref name="chunks"/> chunks of <paramref name="chunkSize"/> bytes, pausing between them, then closes.</summary>
    public static TestBackend SlowSender(int chunks, int chunkSize, TimeSpan pause) => new(async (socket, ct) =>
    {
        for (var i = 0; i < chunks; i++)
        {
            await Traffic.SendAsync(socket, chunkSize, ct);
            await Task.Delay(pause, ct);
        }

        socket.Shutdown(SocketShutdown.Send);
        await Traffic.ReadToEndAsync(socket, ct);
    });

    /// <summary>Stops listening: new connections are refused, as by a dead server.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var socket = await _listener.AcceptAsync(_stopping.Token);
            _ = HandleAsync(socket);
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
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                // A probe or a client that went away; nothing to serve.
            }
        }
    }
}
