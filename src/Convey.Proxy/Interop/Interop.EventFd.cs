using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>Non-blocking, close-on-exec (<c>EFD_NONBLOCK | EFD_CLOEXEC</c>).</summary>
    public const int EventFdNonBlockCloseOnExec = 0x800 | 0x80000;

    /// <summary>An eventfd that blocks on read and closes on exec (<c>EFD_CLOEXEC</c>).</summary>
    public const int EventFdCloseOnExec = 0x80000;

    /// <summary>eventfd(2): a counter descriptor used to wake an event loop; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int EventFd(uint initialValue, int flags);
}
