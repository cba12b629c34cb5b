using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>Close the epoll descriptor on exec (<c>EPOLL_CLOEXEC</c>).</summary>
    public const int EpollCloseOnExec = 0x80000;

    /// <summary>epoll_create1(2): a new epoll instance; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int EpollCreate1(int flags);
}
