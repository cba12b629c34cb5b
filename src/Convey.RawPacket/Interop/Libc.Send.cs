using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "send", SetLastError = true)]
    internal static unsafe partial nint Send(SafeHandle socket, byte* buffer, nuint length, int flags);
}
