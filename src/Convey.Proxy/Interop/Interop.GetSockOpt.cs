using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>getsockopt(2); -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int GetSockOpt(int descriptor, int level, int option, void* value, int* valueLength);
}
