using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary><c>__NR_io_uring_setup</c>: the same number on every architecture (the syscall table was unified before io_uring).</summary>
    public const long SysIoUringSetup = 425;

    /// <summary><c>__NR_io_uring_enter</c>.</summary>
    public const long SysIoUringEnter = 426;

    /// <summary><c>__NR_io_uring_register</c>.</summary>
    public const long SysIoUringRegister = 427;

    /// <summary><c>PROT_READ | PROT_WRITE</c>.</summary>
    public const int ProtReadWrite = 0x1 | 0x2;

    /// <summary><c>MAP_SHARED | MAP_POPULATE</c>: the ring pages are shared with the kernel and mapped at once.</summary>
    public const int MapSharedPopulate = 0x01 | 0x8000;

    /// <summary>
    /// syscall(2) with six arguments: glibc has no wrappers for the io_uring calls. The return value is the
    /// system call's, or -1 with errno set.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static partial long Syscall(long number, long argument1, long argument2, long argument3, long argument4, long argument5, long argument6);

    /// <summary>mmap(2); <c>MAP_FAILED</c> (-1) and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int descriptor, long offset);

    /// <summary>munmap(2).</summary>
    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static partial int Munmap(nint address, nuint length);

    /// <summary>getpeername(2): the remote address of a connected socket; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "getpeername", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int GetPeerName(int descriptor, byte* address, int* addressLength);
}
