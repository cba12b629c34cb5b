using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary><c>SOL_SOCKET</c>.</summary>
    public const int SolSocket = 1;

    /// <summary><c>SO_REUSEADDR</c>: bind a listening address whose old connections are still in TIME_WAIT.</summary>
    public const int SoReuseAddr = 2;

    /// <summary><c>SO_REUSEPORT</c>: several sockets (of any process of the same user) listen on one address.</summary>
    public const int SoReusePort = 15;

    /// <summary><c>SO_ERROR</c>: the pending error of a socket (how a non-blocking connect reports its outcome).</summary>
    public const int SoError = 4;

    /// <summary><c>SO_LINGER</c>: with a zero timeout, close sends a reset.</summary>
    public const int SoLinger = 13;

    /// <summary><c>IPPROTO_TCP</c>.</summary>
    public const int IpProtoTcp = 6;

    /// <summary><c>TCP_NODELAY</c>.</summary>
    public const int TcpNoDelay = 1;

    /// <summary>setsockopt(2); -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int SetSockOpt(int descriptor, int level, int option, void* value, int valueLength);
}
