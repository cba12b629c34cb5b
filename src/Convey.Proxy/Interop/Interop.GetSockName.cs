using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>getsockname(2): the local address of a socket; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int GetSockName(int descriptor, byte* address, int* addressLength);
}
