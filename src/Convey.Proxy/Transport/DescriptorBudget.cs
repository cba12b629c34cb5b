using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Transport;

/// <summary>
/// How many proxied connections (two descriptors each) fit under the process's descriptor limit while leaving
/// room for everything else the process opens: what is open now, plus <see cref="Headroom"/> for health probes,
/// configuration reads, the stats listener, assemblies the runtime loads later and the accept of a connection
/// that is then refused. A process that runs out of descriptors fails in places it cannot recover from (the
/// runtime itself gives up), so the engine refuses connections before that, as HAProxy derives its
/// <c>maxconn</c> from <c>ulimit -n</c>.
/// </summary>
internal static class DescriptorBudget
{
    public const int Headroom = 128;

    /// <summary>The connections that fit; <see cref="int.MaxValue"/> off Linux, or when the limit cannot be read or is unlimited.</summary>
    public static unsafe int Connections()
    {
        if (!OperatingSystem.IsLinux())
        {
            return int.MaxValue;
        }

        var limits = stackalloc ulong[2];
        if (Native.GetRLimit(Native.RLimitNoFile, limits) != 0 || limits[0] == Native.RLimitInfinity)
        {
            return int.MaxValue;
        }

        var room = (long)Math.Min(limits[0], int.MaxValue) - OpenDescriptors() - Headroom;
        return (int)Math.Clamp(room / 2, 0, int.MaxValue);
    }

    private static int OpenDescriptors()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
