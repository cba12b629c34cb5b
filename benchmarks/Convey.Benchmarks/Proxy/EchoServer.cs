using System.Net.Sockets;

namespace Convey.Benchmarks.Proxy;

/// <summary>A loopback server that sends back whatever each connection sends, for as long as it stays open.</summary>
internal sealed class EchoServer() : LoopbackServer(backlog: 512)
{
    protected override async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new byte[4096];
            try
            {
                int read;
                while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                {
                    await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                }
            }
            catch (SocketException)
            {
                // The client went away: nothing more to echo.
            }
        }
    }
}
