using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "munmap", SetLastError = true)]
    internal static unsafe partial int Munmap(void* address, nuint length);
}
