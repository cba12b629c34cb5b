using System.Net;
using System.Net.Sockets;

namespace Convey.Proxy.Tests.Support;

/// <summary>Client-side helpers for loopback tests; every wait is bounded so a broken proxy fails a test instead of hanging it.</summary>
internal static class Loopback
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(Patience);
        await socket.ConnectAsync(endPoint, timeout.Token);
        return socket;
    }

    /// <summary>
    /// An address on loopback where nothing listens: connecting is refused at once. Also a free port for a
    /// frontend (the configuration validator requires a real port; the kernel hands ephemeral ports out in turn,
    /// so a port just released is not soon given to another test).
    /// </summary>
    public static IPEndPoint ClosedPort(IPAddress? address = null)
    {
        using var socket = new Socket((address ?? IPAddress.Loopback).AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address ?? IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>Reads until the peer closes; a reset counts as the end too when <paramref name="allowReset"/>.</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket, bool allowReset = false)
    {
        using var timeout = new CancellationTokenSource(Patience);
        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (SocketException ex) when (allowReset && ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                return received.ToArray();
            }

            if (read == 0)
            {
                return received.ToArray();
            }

            received.Write(buffer, 0, read);
        }
    }

    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[count];
        var total = 0;
        while (total < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, timeout.Token);
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
        var bytes = System.Text.Encoding.ASCII.GetBytes(message);
        await socket.SendAsync(bytes, SocketFlags.None);
        var echoed = await ReadExactlyAsync(socket, bytes.Length);
        Assert.Equal(message, System.Text.Encoding.ASCII.GetString(echoed));
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing after <see cref="Patience"/>.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }
}
