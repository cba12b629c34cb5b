using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Testing;

/// <summary>
/// What a client (or a test server) does with a socket in a test. Every wait is bounded by the caller's token or,
/// without one, by <see cref="Eventually.Patience"/>, so a broken balancer fails a test instead of hanging it.
/// </summary>
public static class Loopback
{
    private static readonly byte[] Pattern = [.. Enumerable.Range(0, 64 * 1024).Select(i => (byte)((i * 31) + 7))];

    /// <summary>Connects a new socket (Nagle off) to <paramref name="endPoint"/>.</summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var bound = Bounded(cancellationToken);
            await socket.ConnectAsync(endPoint, bound.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary><paramref name="count"/> bytes of a fixed pattern, the same on every call.</summary>
    public static byte[] Bytes(int count) => [.. Enumerable.Range(0, count).Select(i => Pattern[i % Pattern.Length])];

    /// <summary>Sends <paramref name="count"/> bytes of the pattern of <see cref="Bytes"/>.</summary>
    public static async Task SendAsync(Socket socket, long count, CancellationToken cancellationToken = default)
    {
        using var bound = Bounded(cancellationToken);
        while (count > 0)
        {
            var chunk = (int)Math.Min(count, Pattern.Length);
            await socket.SendAsync(Pattern.AsMemory(0, chunk), SocketFlags.None, bound.Token);
            count -= chunk;
        }
    }

    /// <summary>Reads until the peer closes; a reset counts as the end too when <paramref name="allowReset"/>.</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket, bool allowReset = false, CancellationToken cancellationToken = default)
    {
        using var received = new MemoryStream();
        await ReadToEndAsync(socket, (buffer, read) => received.Write(buffer, 0, read), allowReset, cancellationToken);
        return received.ToArray();
    }

    /// <summary>
    /// Reads until the peer finishes sending, keeping nothing; returns the number of bytes read, reporting the running
    /// total to <paramref name="progress"/> after each read.
    /// </summary>
    public static async Task<long> CountToEndAsync(Socket socket, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        long total = 0;
        await ReadToEndAsync(
            socket,
            (_, read) =>
            {
                total += read;
                progress?.Invoke(total);
            },
            allowReset: false,
            cancellationToken);
        return total;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes; fails if the peer closes first.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count, CancellationToken cancellationToken = default)
    {
        using var bound = Bounded(cancellationToken);
        var buffer = new byte[count];
        var total = 0;
        while (total < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, bound.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"Closed after {total} of {count} bytes.");
            }

            total += read;
        }

        return buffer;
    }

    /// <summary>Sends a message and expects it echoed back whole.</summary>
    public static async Task AssertEchoAsync(Socket socket, string message)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        await socket.SendAsync(bytes, SocketFlags.None);
        var echoed = await ReadExactlyAsync(socket, bytes.Length);
        Assert.Equal(message, Encoding.ASCII.GetString(echoed));
    }

    /// <summary>
    /// Whether a new connection to <paramref name="endPoint"/> is accepted and echoes a short message within 2 s
    /// (false when refused, reset, cut short or silent): for a test that watches a listener stop serving.
    /// </summary>
    public static async Task<bool> EchoesAsync(IPEndPoint endPoint)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var socket = await ConnectAsync(endPoint, timeout.Token);
            var bytes = Encoding.ASCII.GetBytes("ping");
            await socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
            var echoed = await ReadExactlyAsync(socket, bytes.Length, timeout.Token);
            return echoed.AsSpan().SequenceEqual(bytes);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException or EndOfStreamException)
        {
            return false;
        }
    }

    /// <summary>One client exchange: connect, send <paramref name="send"/> bytes, half-close, count the reply to its end.</summary>
    public static async Task<long> ExchangeAsync(IPEndPoint endPoint, long send, CancellationToken cancellationToken = default)
    {
        using var socket = await ConnectAsync(endPoint, cancellationToken);
        await SendAsync(socket, send, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
        return await CountToEndAsync(socket, cancellationToken: cancellationToken);
    }

    private static async Task ReadToEndAsync(Socket socket, Action<byte[], int> onRead, bool allowReset, CancellationToken cancellationToken)
    {
        using var bound = Bounded(cancellationToken);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token);
            }
            catch (SocketException ex) when (allowReset && ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                return;
            }

            if (read == 0)
            {
                return;
            }

            onRead(buffer, read);
        }
    }

    /// <summary>The caller's token when it can be cancelled (the caller bounds the step), else one cancelled after <see cref="Eventually.Patience"/>.</summary>
    private static CancellationTokenSource Bounded(CancellationToken cancellationToken)
    {
        var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (!cancellationToken.CanBeCanceled)
        {
            bound.CancelAfter(Eventually.Patience);
        }

        return bound;
    }
}
