using System.Net.Sockets;

namespace Convey.Benchmarks.Proxy;

/// <summary>A loopback server that answers each connection's first message with a short reply and closes, like an HTTP/1.0 server.</summary>
internal sealed class AnsweringServer() : LoopbackServer(backlog: 512)
{
    private static readonly byte[] Reply = "HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"u8.ToArray();

    protected override async Task ServeAsync(Socket socket)
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
}
