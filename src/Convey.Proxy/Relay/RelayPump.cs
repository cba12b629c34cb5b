using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Convey.Proxy.Transport;
using Convey.Proxy.Transport.Epoll;
using Convey.Proxy.Transport.IoUring;

namespace Convey.Proxy.Relay;

/// <summary>
/// Moves one direction of a connection: waits for data with a zero-byte read (so an idle direction holds
/// no buffer), borrows a pooled buffer while bytes flow, and sends each chunk whole before reading the next,
/// which is the backpressure: a slow receiver stops the reads. The end of the stream is passed on as a
/// half-close (the other side's send direction is shut down and the opposite direction keeps going); an
/// error on either socket resets both.
/// </summary>
internal static class RelayPump
{
    /// <summary>
    /// Relays with splice(2) when the engine is set to and the sockets are the epoll transport's, out of the
    /// ring's own buffers on the io_uring transport, else through a pooled buffer.
    /// </summary>
    public static ValueTask RunAsync(ProxyConnection connection, ProxySocket from, ProxySocket to, bool fromClient, ProxyEngineOptions options)
    {
        if (OperatingSystem.IsLinux())
        {
            if (from is IoUringSocket ring)
            {
                return RingPump.RunAsync(connection, ring, to, fromClient);
            }

            if (options.UseSplice && from is EpollSocket input && to is EpollSocket output)
            {
                return SplicePump.RunAsync(connection, input, output, fromClient);
            }
        }

        return CopyAsync(connection, from, to, fromClient, options.BufferSize);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask CopyAsync(ProxyConnection connection, ProxySocket from, ProxySocket to, bool fromClient, int bufferSize)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                if (buffer is null)
                {
                    await from.WaitReadableAsync().ConfigureAwait(false);
                    buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
                }

                var read = await from.ReceiveAsync(buffer.AsMemory()).ConfigureAwait(false);
                if (read == 0)
                {
                    if (connection.OnDirectionEnded())
                    {
                        to.ShutdownSend();
                    }

                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                connection.OnRelayed(fromClient, read);

                // A full read means more is probably waiting: keep the buffer and read again at once.
                if (read < buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
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
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
