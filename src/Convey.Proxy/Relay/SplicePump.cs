using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Convey.Proxy.Interop;
using Convey.Proxy.Transport.Epoll;

namespace Convey.Proxy.Relay;

/// <summary>
/// Moves one direction with splice(2), socket → pipe → socket, so the bytes never cross into user space
/// (HAProxy's method). The pump waits until the socket is readable, then splices without blocking until the
/// socket says EAGAIN. It runs on the sockets' event loop, the only thread that uses their descriptors. When the receiver's socket is
/// full, what is left in the pipe goes through a pooled buffer and an ordinary send, which waits for room.
/// End of stream and resets are passed on as in <see cref="RelayPump"/>.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class SplicePump
{
    private const int ChunkSize = 64 * 1024;
    private const int WouldBlock = -1;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public static async ValueTask RunAsync(ProxyConnection connection, EpollSocket from, EpollSocket to, bool fromClient)
    {
        SplicePipe? pipe = null;
        try
        {
            while (true)
            {
                await from.WaitReadableAsync().ConfigureAwait(false);
                pipe ??= SplicePipe.Rent();
                while (true)
                {
                    var moved = Splice(from.Descriptor, Descriptor(pipe.WriteEnd), ChunkSize);
                    if (moved == WouldBlock)
                    {
                        from.OnReadDrained();
                        break;
                    }

                    if (moved == 0)
                    {
                        if (connection.OnDirectionEnded())
                        {
                            to.ShutdownSend();
                        }

                        return;
                    }

                    pipe.Buffered += moved;
                    await DrainAsync(pipe, to).ConfigureAwait(false);
                    connection.OnRelayed(fromClient, moved);
                }

                SplicePipe.Return(pipe);
                pipe = null;
            }
        }
        catch (SocketException)
        {
            connection.Abort();
        }
        catch (ObjectDisposedException)
        {
            // The connection was closed (idle timeout, drain deadline, reset of the other direction).
        }
        finally
        {
            if (pipe is not null)
            {
                SplicePipe.Return(pipe);
            }
        }
    }

    private static async ValueTask DrainAsync(SplicePipe pipe, EpollSocket to)
    {
        while (pipe.Buffered > 0)
        {
            var moved = Splice(Descriptor(pipe.ReadEnd), to.Descriptor, pipe.Buffered);
            if (moved > 0)
            {
                pipe.Buffered -= moved;
                continue;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(pipe.Buffered);
            try
            {
                var read = ReadPipe(pipe, buffer);
                pipe.Buffered -= read;
                await to.SendAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Splices up to <paramref name="length"/> bytes; returns the count, 0 at end of stream, or <see cref="WouldBlock"/>.</summary>
    private static unsafe int Splice(int input, int output, int length)
    {
        while (true)
        {
            var result = Interop.Interop.Splice(input, null, output, null, (nuint)length, Interop.Interop.SpliceMove | Interop.Interop.SpliceNonBlock);
            if (result >= 0)
            {
                return (int)result;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EAGAIN)
            {
                return WouldBlock;
            }

            if (errno != Errno.EINTR)
            {
                throw new SocketException((int)SocketError.ConnectionReset, $"splice failed with errno {errno}");
            }
        }
    }

    /// <summary>A pipe end's descriptor: the pipe belongs to this pump alone while it is rented, so no reference counting is needed.</summary>
    private static int Descriptor(SafeHandle pipeEnd) => (int)pipeEnd.DangerousGetHandle();

    private static unsafe int ReadPipe(SplicePipe pipe, byte[] buffer)
    {
        var added = false;
        try
        {
            pipe.ReadEnd.DangerousAddRef(ref added);
            fixed (byte* destination = buffer)
            {
                nint read;
                do
                {
                    read = Interop.Interop.Read((int)pipe.ReadEnd.DangerousGetHandle(), destination, (nuint)pipe.Buffered);
                }
                while (read < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);

                return read > 0 ? (int)read : throw new IOException($"Reading a splice pipe failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            if (added)
            {
                pipe.ReadEnd.DangerousRelease();
            }
        }
    }
}
