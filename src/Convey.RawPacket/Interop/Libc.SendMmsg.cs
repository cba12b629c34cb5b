using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "sendmmsg", SetLastError = true)]
    internal static unsafe partial int SendMmsg(SafeHandle socket, MultiMessageHeader* messages, uint count, int flags);
}

/// <summary><c>struct mmsghdr</c> (64-bit Linux layout): one message of <c>sendmmsg</c> and the bytes the kernel sent of it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MultiMessageHeader
{
    public MessageHeader Header;
    public uint Length;
}
