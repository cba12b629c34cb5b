using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Convey.Proxy.Transport.Sockets;

/// <summary>A <see cref="Socket"/> as a <see cref="ProxySocket"/>; its operations are thread-safe, so it runs work where it is called.</summary>
internal sealed class SocketsProxySocket(Socket socket) : ProxySocket
{
    public override IPEndPoint RemoteEndPoint => (IPEndPoint)socket.RemoteEndPoint!;

    public override IPEndPoint LocalEndPoint => (IPEndPoint)socket.LocalEndPoint!;

    public override void Dispatch(Action<object?> work, object? state) => work(state);

    public override ProxySocket CreateOutbound(AddressFamily family) =>
        new SocketsProxySocket(new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });

    public override ValueTask ConnectAsync(IPEndPoint endPoint, TimeSpan timeout) => socket.ConnectAsync(endPoint, CancellationToken.None);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WaitReadableAsync() =>
        await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer) => socket.ReceiveAsync(buffer, SocketFlags.None);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask SendAsync(ReadOnlyMemory<byte> data) =>
        await socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);

    public override void ShutdownSend() => socket.Shutdown(SocketShutdown.Send);

    public override void Close() => socket.Dispose();

    public override void Reset()
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone: nothing left to reset.
        }

        socket.Dispose();
    }
}
