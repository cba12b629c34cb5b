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
}

internal static class RelayPaths
{
    public static TheoryData<RelayPath> All => [RelayPath.EventLoop, RelayPath.EventLoopSplice, RelayPath.Sockets];

    /// <summary>One path per transport, for specifications of what happens around the relay (connects, timeouts, limits).</summary>
    public static TheoryData<RelayPath> Transports => [RelayPath.EventLoop, RelayPath.Sockets];

    /// <summary>The engine options for <paramref name="path"/>; skips the test where the path does not exist.</summary>
    public static Action<ProxyEngineOptions> Options(RelayPath path)
    {
        Skip.If(path != RelayPath.Sockets && !OperatingSystem.IsLinux(), "the epoll transport exists on Linux only");
        return options =>
        {
            options.Transport = path == RelayPath.Sockets ? ProxyTransport.Sockets : ProxyTransport.Epoll;
            options.UseSplice = path == RelayPath.EventLoopSplice;
        };
    }
}
