using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Interop;

internal static partial class Interop
{
    /// <summary>Paths relative to the current directory (<c>AT_FDCWD</c>).</summary>
    public const int AtCurrentDirectory = -100;

    /// <summary>Ask for the file type and mode only (<c>STATX_TYPE</c>).</summary>
    public const uint StatxType = 0x1;

    /// <summary>Size of <c>struct statx</c>, the same on every Linux architecture.</summary>
    public const int StatxSize = 256;

    /// <summary>Offset of <c>stx_mode</c> (a 16-bit field) in <c>struct statx</c>.</summary>
    public const int StatxModeOffset = 28;

    /// <summary>
    /// statx(2), following symbolic links: fills <paramref name="buffer"/> (<see cref="StatxSize"/> bytes) with
    /// <c>struct statx</c>; -1 and errno on failure. Used rather than stat(2) because its layout is the same on every
    /// architecture.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
