using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Testing;

/// <summary>
/// A UDP server on loopback that answers every datagram with its name, a colon and the datagram (or with a fixed
/// reply): the backend of the UDP frontend tests, which see in each reply which server a datagram reached. Counts
/// what it received; <see cref="DisposeAsync"/> stops it and frees its port, after which datagrams to it are refused
/// (ICMP port unreachable).
/// </summary>
public sealed class UdpTestServer : IAsyncDisposable
{
    /// <summary>The largest UDP payload over IPv4; a longer echo is cut to it.</summary>
    public const int MaxIPv4Datagram = 65_507;

    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly byte[]? _reply;
    private readonly IPAddress _any;
    private int _received;

    private UdpTestServer(string name, IPAddress address, byte[]? reply)
    {
        Name = name;
        _reply = reply;
        _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(address, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _any = address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        _loop = Task.Run(ServeAsync);
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    /// <summary>Datagrams received so far.</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>Echoes each datagram as "NAME:datagram".</summary>
    public static UdpTestServer Echo(string name, IPAddress? address = null) => new(name, address ?? IPAddress.Loopback, reply: null);

    /// <summary>Answers each datagram with <paramref name="reply"/>, whatever it was.</summary>
    public static UdpTestServer Replying(string name, string reply) => new(name, IPAddress.Loopback, Encoding.UTF8.GetBytes(reply));

    /// <summary>A free loopback UDP port for a frontend (free when asked; a test binds it at once).</summary>
    public static IPEndPoint FreeEndPoint(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>
    /// Sends <paramref name="payload"/> from <paramref name="client"/> to <paramref name="target"/> and returns the reply
    /// as text and the address it came from; null when none comes within <paramref name="wait"/> (default 2 s).
    /// </summary>
    public static async Task<(string Text, IPEndPoint From)?> ExchangeAsync(Socket client, IPEndPoint target, string payload, TimeSpan? wait = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.SendToAsync(Encoding.UTF8.GetBytes(payload), SocketFlags.None, target);
        var buffer = new byte[65_536];
        using var timeout = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(2));
        try
        {
            var any = client.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
            var result = await client.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(any, 0), timeout.Token);
            return (Encoding.UTF8.GetString(buffer, 0, result.ReceivedBytes), (IPEndPoint)result.RemoteEndPoint);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (SocketException)
        {
            // An ICMP error from the far side of a connected client: no reply.
            return null;
        }
    }

    /// <summary>A client socket bound to <paramref name="address"/> (default 127.0.0.1) on a port of the kernel's choice.</summary>
    public static Socket Client(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _socket.Dispose();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task ServeAsync()
    {
        var buffer = new byte[65_536];
        var prefix = Encoding.UTF8.GetBytes(Name + ":");
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(_any, 0), _stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            Interlocked.Increment(ref _received);
            var reply = _reply ?? [.. prefix, .. buffer.AsSpan(0, Math.Min(received.ReceivedBytes, MaxIPv4Datagram - prefix.Length))];
            try
            {
                await _socket.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint);
            }
            catch (SocketException)
            {
                // A client that went away: serve the next.
            }
        }
    }
}
