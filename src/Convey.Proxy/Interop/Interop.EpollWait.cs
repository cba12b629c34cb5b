using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>epoll_wait(2): waits for events; the count filled in, or -1 and errno.</summary>
    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int EpollWait(int epoll, byte* events, int maxEvents, int timeoutMilliseconds);
}
