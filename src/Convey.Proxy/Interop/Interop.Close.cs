using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>close(2).</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static partial int Close(int descriptor);
}
