using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Tests.Packaging;

/// <summary>
/// A loopback server that answers <see cref="Request"/> with <see cref="Reply"/>; any other connection
/// (a health probe, for instance) is read to its end and closed.
/// </summary>
internal sealed class PongBackend : IAsyncDisposable
{
    public const string Request = "ping";
    public const string Reply = "pong through the package";

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;

    private PongBackend(Socket listener)
    {
        _listener = listener;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public static PongBackend Start()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        return new PongBackend(listener);
    }

    public static async Task<byte[]> ReadToEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return received.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var connection = await _listener.AcceptAsync(_stopping.Token);
            _ = AnswerAsync(connection);
        }
    }

    private async Task AnswerAsync(Socket connection)
    {
        using (connection)
        {
            try
            {
                var request = Encoding.ASCII.GetString(await ReadToEndAsync(connection, _stopping.Token));
                if (request == Request)
                {
                    await connection.SendAsync(Encoding.ASCII.GetBytes(Reply), SocketFlags.None, _stopping.Token);
                }

                connection.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                // A probe that reset its connection, or the test ending.
            }
        }
    }
}
