using System.Net;
using System.Net.Sockets;

namespace Convey.Proxy.Transport;

/// <summary>
/// A TCP socket as the proxy engine uses it. Its operations run on its owner (<see cref="Dispatch"/>): for the
/// Linux event loop that is the loop's thread, so a connection's whole life runs there without locks. Failures
/// surface as <see cref="SocketException"/>, and use after <see cref="Close"/> as <see cref="ObjectDisposedException"/>,
/// as with <see cref="Socket"/>.
/// </summary>
internal abstract class ProxySocket
{
    public abstract IPEndPoint RemoteEndPoint { get; }

    public abstract IPEndPoint LocalEndPoint { get; }

    /// <summary>Runs <paramref name="work"/> where this socket's operations must run: at once when already there.</summary>
    public abstract void Dispatch(Action<object?> work, object? state);

    /// <summary>A new, unconnected socket of <paramref name="family"/> with the same owner as this one.</summary>
    public abstract ProxySocket CreateOutbound(AddressFamily family);

    /// <summary>
    /// Connects to <paramref name="endPoint"/>. A transport that can bound the attempt in the kernel gives up after
    /// <paramref name="timeout"/> (a <see cref="SocketException"/> with <see cref="SocketError.TimedOut"/>); on every
    /// transport the engine's timeout sweep also closes an attempt that took too long.
    /// </summary>
    public abstract ValueTask ConnectAsync(IPEndPoint endPoint, TimeSpan timeout);

    /// <summary>Completes once data (or the end of the stream, or an error) can be read, without taking a buffer.</summary>
    public abstract ValueTask WaitReadableAsync();

    /// <summary>Receives up to the buffer's length; 0 is the end of the stream.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer);

    /// <summary>Sends all of <paramref name="data"/>, waiting for room as long as the receiver needs.</summary>
    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> data);

    /// <summary>Ends the send direction (a FIN); the receive direction goes on.</summary>
    public abstract void ShutdownSend();

    /// <summary>Closes the socket; pending operations fail with <see cref="ObjectDisposedException"/>. Idempotent.</summary>
    public abstract void Close();

    /// <summary>Closes the socket with a reset instead of a FIN. Idempotent.</summary>
    public abstract void Reset();
}
