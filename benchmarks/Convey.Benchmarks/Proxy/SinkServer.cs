using System.Net;
using System.Net.Sockets;

namespace Convey.Benchmarks.Proxy;

/// <summary>Accepts connections on loopback and discards what they send, counting the bytes.</summary>
internal sealed class SinkServer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private long _received;

    public SinkServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public long Received => Interlocked.Read(ref _received);

    public async Task WaitForAsync(long total)
    {
        var spins = new SpinWait();
        while (Received < total)
        {
            if (spins.NextSpinWillYield)
            {
                await Task.Yield();
            }

            spins.SpinOnce();
        }
    }

    public void Dispose() => _listener.Dispose();

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync();
                _ = DrainAsync(socket);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task DrainAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new byte[256 * 1024];
            try
            {
                int read;
                while ((read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
                {
                    Interlocked.Add(ref _received, read);
                }
            }
            catch (SocketException)
            {
            }
        }
    }
}
