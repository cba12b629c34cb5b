using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>sendmmsg(2): sends up to <paramref name="length"/> datagrams in one call; how many were sent, or -1 and errno.</summary>
    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int SendMmsg(int descriptor, MultiMessageHeader* messages, uint length, int flags);
}
