using System.Net;
using System.Net.Sockets;

namespace Convey.Benchmarks.Proxy;

/// <summary>A loopback server that answers each connection's first message with a short reply and closes, like an HTTP/1.0 server.</summary>
internal sealed class AnsweringServer : IDisposable
{
    private static readonly byte[] Reply = "HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"u8.ToArray();
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public AnsweringServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose() => _listener.Dispose();

    private static async Task AnswerAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                var request = new byte[512];
                await socket.ReceiveAsync(request, SocketFlags.None);
                await socket.SendAsync(Reply, SocketFlags.None);
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The client went away first: nothing to answer.
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                _ = AnswerAsync(await _listener.AcceptAsync());
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Disposed: the benchmark is over.
        }
    }
}
