using System.Net;
using System.Net.Sockets;

namespace Convey.Proxy;

/// <summary>Why a listening socket could not be opened, in words that say what to do about it.</summary>
internal static class ListenError
{
    public static string Describe(SocketException error, IPEndPoint endPoint) => error.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse =>
            "address already in use: another process (or another Convey) listens there; stop it or choose another port",
        SocketError.AccessDenied =>
            $"permission denied: port {endPoint.Port} needs root or CAP_NET_BIND_SERVICE (systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE)",
        SocketError.AddressNotAvailable =>
            $"address not local (cannot assign requested address): no interface of this host holds {endPoint.Address}; add it to an interface or listen on {(endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? "[::]" : "0.0.0.0")}",
        SocketError.TooManyOpenSockets =>
            "too many open files: the descriptor limit is reached; raise it (systemd: LimitNOFILE=, shell: ulimit -n)",
        _ => $"{error.Message} ({error.SocketErrorCode})",
    };
}
