using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>Sets close-on-exec on both ends (<c>O_CLOEXEC</c>).</summary>
    public const int PipeCloseOnExec = 0x80000;

    /// <summary>Makes both ends non-blocking (<c>O_NONBLOCK</c>).</summary>
    public const int PipeNonBlock = 0x800;

    /// <summary>pipe2(2): creates a pipe; <paramref name="descriptors"/>[0] is the read end, [1] the write end.</summary>
    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int Pipe2(int* descriptors, int flags);
}
