using System.Net.Sockets;

namespace Convey.Proxy.Transport;

/// <summary>How the engine does socket I/O: its own epoll event loops on Linux, or System.Net.Sockets.</summary>
internal interface ITransport : IDisposable
{
    /// <summary>The transport's name, as operators see it in <c>/stats</c>: <c>epoll</c> or <c>sockets</c>.</summary>
    string Name { get; }

    /// <summary>Serves a bound, listening socket; the acceptor owns it from here on.</summary>
    ProxyAcceptor Listen(Socket listening);
}
