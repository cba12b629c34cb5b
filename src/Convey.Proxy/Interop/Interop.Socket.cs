using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>A stream socket that never blocks and closes on exec (<c>SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC</c>).</summary>
    public const int SocketStreamNonBlockCloseOnExec = 1 | 0x800 | 0x80000;

    /// <summary>A datagram socket that never blocks and closes on exec (<c>SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC</c>).</summary>
    public const int SocketDatagramNonBlockCloseOnExec = 2 | 0x800 | 0x80000;

    /// <summary>socket(2): a new socket descriptor; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int Socket(int domain, int type, int protocol);
}
