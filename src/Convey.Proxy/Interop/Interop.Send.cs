using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>No SIGPIPE when the peer is gone; the error comes back as EPIPE (<c>MSG_NOSIGNAL</c>).</summary>
    public const int SendNoSignal = 0x4000;

    /// <summary>send(2): sends up to <paramref name="length"/> bytes; -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial nint Send(int descriptor, byte* buffer, nuint length, int flags);
}
