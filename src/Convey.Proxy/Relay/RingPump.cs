using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using Convey.Proxy.Transport;
using Convey.Proxy.Transport.IoUring;

namespace Convey.Proxy.Relay;

/// <summary>
/// One direction of a connection on the io_uring transport: takes each buffer the kernel received into, sends
/// from it as it is, and gives it back to the ring once the send completed. No copy in user space, and no buffer
/// while the direction is idle. Backpressure as in <see cref="RelayPump"/>: the next buffer is sent only after
/// this one, and the socket stops receiving once a few wait unsent (<see cref="IoUringSocket.MaxQueued"/>).
/// </summary>
[SupportedOSPlatform("linux")]
internal static class RingPump
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public static async ValueTask RunAsync(ProxyConnection connection, IoUringSocket from, ProxySocket to, bool fromClient)
    {
        var lent = -1;
        try
        {
            while (true)
            {
                await from.WaitReadableAsync().ConfigureAwait(false);
                if (!from.TryTake(out lent, out var data))
                {
                    if (connection.OnDirectionEnded())
                    {
                        to.ShutdownSend();
                    }

                    return;
                }

                await to.SendAsync(data).ConfigureAwait(false);
                from.Release(lent);
                lent = -1;
                connection.OnRelayed(fromClient, data.Length);
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
            if (lent >= 0)
            {
                from.Release(lent);
            }
        }
    }
}
