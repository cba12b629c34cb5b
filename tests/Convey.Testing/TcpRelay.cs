using System.Net;
using System.Net.Sockets;

namespace Convey.Testing;

/// <summary>
/// A TCP relay on a loopback port in front of another endpoint, that a test can cut and heal: cut closes every
/// relayed connection and closes new ones at once (the target looks unreachable to whoever connects through the
/// relay, while the test still reaches the target directly); heal relays again. For outages of a service that must
/// keep running (etcd, to write revisions the client has not seen).
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<Socket> _open = [];
    private readonly Task _accepting;
    private bool _cut;

    /// <summary>Starts relaying from a fresh loopback port to <paramref name="target"/>.</summary>
    public TcpRelay(IPEndPoint target)
    {
        _target = target;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>Where to connect to reach the target through the relay.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Closes every relayed connection and every new one until <see cref="Heal"/>.</summary>
    public void Cut()
    {
        lock (_gate)
        {
            _cut = true;
            foreach (var socket in _open)
            {
                socket.Dispose();
            }

            _open.Clear();
        }
    }

    /// <summary>Relays new connections again.</summary>
    public void Heal()
    {
        lock (_gate)
        {
            _cut = false;
        }
    }

    /// <summary>Stops relaying and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        Cut();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        lock (_gate)
        {
            if (_cut)
            {
                client.Dispose();
                server.Dispose();
                return;
            }

            _open.Add(client);
            _open.Add(server);
        }

        try
        {
            await server.ConnectAsync(_target, _stopping.Token);
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(server);
            }

            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, _stopping.Token)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), _stopping.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}
