using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>write(2): writes up to <paramref name="count"/> bytes; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial nint Write(int descriptor, byte* buffer, nuint count);
}
