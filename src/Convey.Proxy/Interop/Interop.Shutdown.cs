using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>End the send direction (<c>SHUT_WR</c>).</summary>
    public const int ShutdownWrite = 1;

    /// <summary>shutdown(2): ends one or both directions of a connection; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int Shutdown(int descriptor, int how);
}
