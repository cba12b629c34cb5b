using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>Register a descriptor (<c>EPOLL_CTL_ADD</c>).</summary>
    public const int EpollCtlAdd = 1;

    /// <summary>Deregister a descriptor (<c>EPOLL_CTL_DEL</c>).</summary>
    public const int EpollCtlDelete = 2;

    /// <summary>epoll_ctl(2): adds, changes or removes a descriptor's interest; <paramref name="event"/> points to a native <c>struct epoll_event</c> (see <see cref="EpollEventLayout"/>).</summary>
    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int EpollCtl(int epoll, int operation, int descriptor, byte* @event);
}
