namespace Convey.Proxy;

/// <summary>Tuning of the proxy engine (host-level settings, not part of the configuration file).</summary>
public sealed class ProxyEngineOptions
{
    /// <summary>Default for <see cref="BufferSize"/>.</summary>
    public const int DefaultBufferSize = 32 * 1024;

    /// <summary>Default for <see cref="ListenBacklog"/>.</summary>
    public const int DefaultListenBacklog = 4096;

    /// <summary>
    /// Size of the pooled buffer a direction of a connection borrows while bytes flow. An idle connection
    /// holds none: it waits with a zero-byte read and borrows a buffer only when data is ready. On the io_uring
    /// transport it is the size of each buffer of the loop's provided buffer ring, which the kernel fills.
    /// </summary>
    public int BufferSize { get; set; } = DefaultBufferSize;

    /// <summary>Length of the queue of connections the kernel completes before the engine accepts them.</summary>
    public int ListenBacklog { get; set; } = DefaultListenBacklog;

    /// <summary>
    /// Most proxied connections the engine holds at once, over all frontends; beyond it a new connection is
    /// accepted and closed at once, and counted as refused by its frontend. 0, the default, allows as many as the
    /// process's descriptor limit (<c>ulimit -n</c>) leaves room for, two descriptors each, keeping some for the
    /// rest of the process, so that a flood of connections never runs the process out of descriptors (no limit
    /// where it cannot be read). Per-frontend limits are the frontends' own <c>max_connections</c>.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>
    /// The socket layer: by default the engine's own epoll event loops on Linux and System.Net.Sockets elsewhere;
    /// <see cref="ProxyTransport.IoUring"/> for io_uring event loops (Linux 6.1 or later, epoll where the kernel
    /// or a container forbids io_uring). The log (event 2310) and <c>/stats</c> say which one runs.
    /// </summary>
    public ProxyTransport Transport { get; set; }

    /// <summary>
    /// How many event loops (threads) the epoll or io_uring transport runs; 0, the default, runs one per processor
    /// the process may use. Ignored by the System.Net.Sockets transport.
    /// </summary>
    public int EventLoops { get; set; }

    /// <summary>
    /// On Linux, moves bulk transfers with <c>splice(2)</c> through a kernel pipe instead of copying them
    /// through a user-space buffer. A direction switches to splicing once a read fills the whole buffer
    /// (a bulk transfer); short exchanges stay on the buffer path. Needs the epoll transport; ignored otherwise.
    /// </summary>
    public bool UseSplice { get; set; }

    /// <summary>The io_uring transport's ring and buffer pool sizes per loop (tests shrink them).</summary>
    internal Convey.Proxy.Transport.IoUring.IoUringSizes IoUringSizes { get; set; } = Convey.Proxy.Transport.IoUring.IoUringSizes.Default;
}
