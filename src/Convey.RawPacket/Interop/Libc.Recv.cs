using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "recv", SetLastError = true)]
    internal static unsafe partial nint Recv(SafeHandle socket, byte* buffer, nuint length, int flags);
}
