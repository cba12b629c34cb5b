namespace Convey.Proxy;

/// <summary>The socket layer the proxy engine runs on (<see cref="ProxyEngineOptions.Transport"/>).</summary>
public enum ProxyTransport
{
    /// <summary>The engine's own epoll event loops on Linux; System.Net.Sockets elsewhere.</summary>
    Auto,

    /// <summary>
    /// The engine's own epoll event loops (Linux only): one thread per loop runs its connections from accept to
    /// close, with non-blocking sockets and reads only after readiness, as HAProxy and NGINX do.
    /// </summary>
    Epoll,

    /// <summary>System.Net.Sockets on the thread pool, on every system.</summary>
    Sockets,

    /// <summary>
    /// The engine's own io_uring event loops (Linux 6.1 or later): one ring and one thread per loop, multishot
    /// accept, multishot receive into a pool of buffers the kernel picks from only when data arrives (an idle
    /// connection holds none), sends from those same buffers, connects linked with their timeout, and one
    /// <c>io_uring_enter</c> per loop iteration for all of it. Where the kernel or a container forbids io_uring
    /// the engine logs why and runs on <see cref="Epoll"/>.
    /// </summary>
    IoUring,
}
