using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Host.Demo;

/// <summary>
/// A tiny HTTP server for <c>--demo</c>: answers every request with <c>hello from NAME</c> and closes the
/// connection, so repeated requests through the balancer show which backend served each one.
/// </summary>
internal sealed class DemoBackend : IAsyncDisposable
{
    private const int MaxRequestHead = 16 * 1024;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly byte[] _response;
    private readonly Task _acceptLoop;

    private DemoBackend(string name, TcpListener listener)
    {
        Name = name;
        _listener = listener;
        var body = $"hello from {name}\n";
        _response = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        _acceptLoop = AcceptLoopAsync(_stopping.Token);
    }

    /// <summary>The backend's name, as it answers.</summary>
    public string Name { get; }

    /// <summary>Where the backend listens.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Starts a backend on an ephemeral loopback port.</summary>
    public static DemoBackend Start(string name)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new DemoBackend(name, listener);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = AnswerAsync(client, stopping);
        }
    }

    private async Task AnswerAsync(Socket client, CancellationToken stopping)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            await ReadRequestHeadAsync(client, timeout.Token);
            await client.SendAsync(_response, SocketFlags.None, timeout.Token);
            client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            // A client that goes away or never finishes its request gets nothing more; the demo carries on.
        }
    }

    /// <summary>Reads until the blank line that ends an HTTP request head (or the client stops sending).</summary>
    private static async Task ReadRequestHeadAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRequestHead];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return;
            }

            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0)
            {
                return;
            }
        }
    }
}
