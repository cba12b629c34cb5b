using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>connect(2): starts a connection (EINPROGRESS on a non-blocking socket); -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int Connect(int descriptor, byte* address, int addressLength);
}
