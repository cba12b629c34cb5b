using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>Move data without copying through user space (<c>SPLICE_F_MOVE</c>).</summary>
    public const uint SpliceMove = 1;

    /// <summary>Do not block on the pipe (<c>SPLICE_F_NONBLOCK</c>); sockets follow their own O_NONBLOCK.</summary>
    public const uint SpliceNonBlock = 2;

    /// <summary>splice(2): moves up to <paramref name="length"/> bytes between a descriptor and a pipe; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial nint Splice(int input, long* inputOffset, int output, long* outputOffset, nuint length, uint flags);
}
