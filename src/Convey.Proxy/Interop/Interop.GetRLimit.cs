using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary>The descriptor limit (<c>RLIMIT_NOFILE</c>).</summary>
    public const int RLimitNoFile = 7;

    /// <summary>No limit (<c>RLIM_INFINITY</c>).</summary>
    public const ulong RLimitInfinity = ulong.MaxValue;

    /// <summary>getrlimit(2): fills <paramref name="limits"/> with the soft and hard limit (<c>struct rlimit</c>); -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    [SupportedOSPlatform("linux")]
    public static unsafe partial int GetRLimit(int resource, ulong* limits);
}
