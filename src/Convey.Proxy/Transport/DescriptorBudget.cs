using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Transport;

/// <summary>
/// How many proxied connections (two descriptors each) fit under the process's descriptor limit while leaving
/// room for everything else the process opens: what is open when the engine starts, one listening socket per
/// proxy frontend, plus <see cref="Headroom"/> for health probes, configuration reads, the stats listener,
/// assemblies the runtime loads later and the accept of a connection that is then refused. A process that runs
/// out of descriptors fails in places it cannot recover from (the runtime itself gives up), so the engine refuses
/// connections before that, as HAProxy derives its <c>maxconn</c> from <c>ulimit -n</c>.
/// </summary>
/// <param name="SoftLimit">The soft <c>RLIMIT_NOFILE</c>.</param>
/// <param name="Open">Descriptors open when it was read.</param>
internal readonly record struct DescriptorBudget(long SoftLimit, int Open)
{
    public const int Headroom = 128;

    /// <summary>
    /// Below this many connections the engine refuses to start: such a limit is a mistake (a shell's or container's
    /// default of 256), not a choice, and a balancer that refuses nearly every client must not look healthy.
    /// </summary>
    public const int MinimumConnections = 32;

    /// <summary>Below this many connections the engine starts with a warning.</summary>
    public const int ComfortableConnections = 1024;

    /// <summary>The limit and what is open now; null off Linux, or when the limit cannot be read or is unlimited.</summary>
    public static unsafe DescriptorBudget? Read()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var limits = stackalloc ulong[2];
        if (Native.GetRLimit(Native.RLimitNoFile, limits) != 0 || limits[0] == Native.RLimitInfinity)
        {
            return null;
        }

        return new DescriptorBudget((long)Math.Min(limits[0], int.MaxValue), OpenDescriptors());
    }

    /// <summary>The connections that fit beside <paramref name="listeners"/> listening sockets.</summary>
    public int Connections(int listeners)
    {
        var room = SoftLimit - Open - Headroom - listeners;
        return (int)Math.Clamp(room / 2, 0, int.MaxValue);
    }

    /// <summary>What is wrong when <see cref="Connections"/> is below <see cref="MinimumConnections"/>, and how to fix it, as one line.</summary>
    public string DescribeTooSmall(int listeners) =>
        $"the descriptor limit is too small: RLIMIT_NOFILE (soft) is {SoftLimit}; after the {Open} descriptors open at start, "
        + $"{Headroom} kept for the stats listener, health probes and configuration reads, and {listeners} for the proxy frontends' "
        + $"listeners, it leaves room for {Connections(listeners)} proxied connection(s) (two descriptors each), fewer than the "
        + $"{MinimumConnections} Convey needs. Raise it: LimitNOFILE=65536 in the [Service] section of the systemd unit, "
        + "or ulimit -n 65536 in the shell that starts Convey";

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
