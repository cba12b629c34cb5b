using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>The accepted socket never blocks and closes on exec (<c>SOCK_NONBLOCK | SOCK_CLOEXEC</c>).</summary>
    public const int AcceptNonBlockCloseOnExec = 0x800 | 0x80000;

    /// <summary>accept4(2): takes a connection off the queue with the flags applied; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int Accept4(int listener, byte* address, int* addressLength, int flags);
}
