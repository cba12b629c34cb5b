using System.Net;
using System.Net.Sockets;

namespace Convey.Host.Tests.Infrastructure;

/// <summary>Sends and counts bytes over sockets, for tests that compare traffic with the host's figures.</summary>
internal static class Traffic
{
    private static readonly byte[] Pattern = [.. Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 31 + 7))];

    /// <summary>Sends <paramref name="count"/> bytes.</summary>
    public static async Task SendAsync(Socket socket, long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            var chunk = (int)Math.Min(count, Pattern.Length);
            await socket.SendAsync(Pattern.AsMemory(0, chunk), SocketFlags.None, cancellationToken);
            count -= chunk;
        }
    }

    /// <summary>Reads until the peer finishes sending; returns the number of bytes read.</summary>
    public static async Task<long> ReadToEndAsync(Socket socket, CancellationToken cancellationToken, Action<long>? progress = null)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return total;
            }

            total += read;
            progress?.Invoke(total);
        }
    }

    /// <summary>One client exchange: connect, send <paramref name="send"/> bytes, half-close, read the reply to its end.</summary>
    public static async Task<long> ExchangeAsync(IPEndPoint endPoint, long send, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, cancellationToken);
        await SendAsync(socket, send, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
        return await ReadToEndAsync(socket, cancellationToken);
    }
}
