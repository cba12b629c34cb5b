using System.Net.Sockets;
using Convey.Proxy.Interop;

namespace Convey.Proxy.Transport.Epoll;

/// <summary>Turns a Linux errno into the <see cref="SocketException"/> System.Net.Sockets would throw.</summary>
internal static class SocketErrors
{
    public static SocketException FromErrno(int errno, string operation)
    {
        var error = ToSocketError(errno);
        return new((int)error, $"{operation} failed: {error} (errno {errno})");
    }

    public static SocketError ToSocketError(int errno) => errno switch
    {
        Errno.ECONNREFUSED => SocketError.ConnectionRefused,
        Errno.ECONNRESET => SocketError.ConnectionReset,
        Errno.ECONNABORTED => SocketError.ConnectionAborted,
        Errno.EPIPE => SocketError.Shutdown,
        Errno.ETIMEDOUT => SocketError.TimedOut,
        Errno.ENETUNREACH => SocketError.NetworkUnreachable,
        Errno.EHOSTUNREACH => SocketError.HostUnreachable,
        Errno.EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        Errno.ENOTCONN => SocketError.NotConnected,
        Errno.EMFILE or Errno.ENFILE => SocketError.TooManyOpenSockets,
        Errno.ENOBUFS or Errno.ENOMEM => SocketError.NoBufferSpaceAvailable,
        _ => SocketError.SocketError,
    };
}
