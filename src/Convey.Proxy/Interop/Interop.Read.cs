using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>read(2): reads up to <paramref name="count"/> bytes; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial nint Read(int descriptor, byte* buffer, nuint count);
}
