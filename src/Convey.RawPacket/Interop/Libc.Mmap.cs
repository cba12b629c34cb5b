using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "mmap", SetLastError = true)]
    internal static unsafe partial void* Mmap(void* address, nuint length, int protection, int flags, SafeHandle fd, long offset);
}
