using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>Return at once when nothing is queued (<c>MSG_DONTWAIT</c>).</summary>
    public const int MessageDontWait = 0x40;

    /// <summary>In <c>msg_flags</c>: the datagram was longer than the buffer and was cut (<c>MSG_TRUNC</c>).</summary>
    public const int MessageTruncated = 0x20;

    /// <summary>recvmmsg(2): receives up to <paramref name="length"/> datagrams in one call; how many, or -1 and errno.</summary>
    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int RecvMmsg(int descriptor, MultiMessageHeader* messages, uint length, int flags, void* timeout);
}
