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
}
