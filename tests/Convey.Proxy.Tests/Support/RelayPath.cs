namespace Convey.Proxy.Tests.Support;

/// <summary>The ways the engine can move bytes; every relay specification holds on each of them.</summary>
public enum RelayPath
{
    /// <summary>The epoll event loops, copying through a pooled buffer (the default on Linux).</summary>
    EventLoop,

    /// <summary>The epoll event loops with splice(2).</summary>
    EventLoopSplice,

    /// <summary>System.Net.Sockets (the default elsewhere).</summary>
    Sockets,

    /// <summary>The io_uring event loops, sending out of the ring's provided buffers.</summary>
    IoUring,
}

internal static class RelayPaths
{
    /// <summary>Why this kernel (or container) cannot run the io_uring transport; null when it can.</summary>
    private static readonly Lazy<string?> IoUringUnavailable = new(() => OperatingSystem.IsLinux() ? Convey.Proxy.Transport.IoUring.IoUringSupport.Check() : "io_uring exists on Linux only");

    public static TheoryData<RelayPath> All => [RelayPath.EventLoop, RelayPath.EventLoopSplice, RelayPath.Sockets, RelayPath.IoUring];

    /// <summary>One path per transport, for specifications of what happens around the relay (connects, timeouts, limits).</summary>
    public static TheoryData<RelayPath> Transports => [RelayPath.EventLoop, RelayPath.Sockets, RelayPath.IoUring];

    /// <summary>The engine options for <paramref name="path"/>; skips the test where the path does not exist.</summary>
    public static Action<ProxyEngineOptions> Options(RelayPath path)
    {
        Skip.If(path != RelayPath.Sockets && !OperatingSystem.IsLinux(), "the epoll and io_uring transports exist on Linux only");
        if (path == RelayPath.IoUring)
        {
            Prerequisite.Require(IoUringUnavailable.Value);
        }

        return options =>
        {
            options.Transport = Transport(path);
            options.UseSplice = path == RelayPath.EventLoopSplice;
        };
    }

    public static ProxyTransport Transport(RelayPath path) => path switch
    {
        RelayPath.Sockets => ProxyTransport.Sockets,
        RelayPath.IoUring => ProxyTransport.IoUring,
        _ => ProxyTransport.Epoll,
    };

    /// <summary>The transport name <c>/stats</c> shows for <paramref name="path"/>.</summary>
    public static string TransportName(RelayPath path) => path switch
    {
        RelayPath.Sockets => "sockets",
        RelayPath.IoUring => "io_uring",
        _ => "epoll",
    };
}
