using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>recv(2): receives up to <paramref name="length"/> bytes; 0 at end of stream, -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial nint Recv(int descriptor, byte* buffer, nuint length, int flags);
}
