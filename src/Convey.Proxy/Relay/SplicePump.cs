using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Convey.Proxy.Interop;

namespace Convey.Proxy.Relay;

/// <summary>
/// Moves one direction with splice(2), socket → pipe → socket, so the bytes never cross into user space
/// (HAProxy's method). The runtime owns the sockets' readiness (its epoll), so the pump waits for data with a
/// zero-byte read, then splices without blocking until the socket says EAGAIN. When the receiver's socket is
/// full, what is left in the pipe goes through a pooled buffer and an ordinary send, which waits for room.
/// End of stream and resets are passed on as in <see cref="RelayPump"/>.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class SplicePump
{
    private const int ChunkSize = 64 * 1024;
    private const int WouldBlock = -1;

    public static async Task RunAsync(ProxyConnection connection, Socket from, Socket to, bool fromClient)
    {
        SplicePipe? pipe = null;
        try
        {
            var input = from.SafeHandle;
            var output = to.SafeHandle;
            while (true)
            {
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                pipe ??= SplicePipe.Rent();
                while (true)
                {
                    var moved = Splice(input, pipe.WriteEnd, ChunkSize);
                    if (moved == WouldBlock)
                    {
                        break;
                    }

                    if (moved == 0)
                    {
                        if (connection.OnDirectionEnded())
                        {
                            to.Shutdown(SocketShutdown.Send);
                        }

                        return;
                    }

                    pipe.Buffered += moved;
                    await DrainAsync(pipe, output, to);
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

    private static async ValueTask DrainAsync(SplicePipe pipe, SafeHandle output, Socket to)
    {
        while (pipe.Buffered > 0)
        {
            var moved = Splice(pipe.ReadEnd, output, pipe.Buffered);
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
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Splices up to <paramref name="length"/> bytes; returns the count, 0 at end of stream, or <see cref="WouldBlock"/>.</summary>
    private static unsafe int Splice(SafeHandle input, SafeHandle output, int length)
    {
        var inputAdded = false;
        var outputAdded = false;
        try
        {
            input.DangerousAddRef(ref inputAdded);
            output.DangerousAddRef(ref outputAdded);
            while (true)
            {
                var result = Interop.Interop.Splice(
                    (int)input.DangerousGetHandle(), null, (int)output.DangerousGetHandle(), null, (nuint)length,
                    Interop.Interop.SpliceMove | Interop.Interop.SpliceNonBlock);
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
        finally
        {
            if (inputAdded)
            {
                input.DangerousRelease();
            }

            if (outputAdded)
            {
                output.DangerousRelease();
            }
        }
    }

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
