using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

internal static partial class Libc
{
    /// <summary>
    /// <c>syscall(2)</c> with three arguments, for system calls the C library has no wrapper for (bpf). glibc's
    /// syscall is variadic; on x86-64 and arm64 Linux, integer and pointer arguments travel in the same registers
    /// as for a fixed signature, so this declaration is the call the C compiler would make.
    /// </summary>
    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static unsafe partial nint Syscall(nint number, nint argument1, void* argument2, nint argument3);
}
