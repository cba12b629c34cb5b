using System.Net.Sockets;

namespace Convey.Proxy.Transport.Sockets;

/// <summary>The portable transport: System.Net.Sockets, continuations on the thread pool.</summary>
internal sealed class SocketsTransport : ITransport
{
    public string Name => "sockets";

    public ProxyAcceptor Listen(Socket listening) => new SocketsAcceptor(listening);

    public void Dispose()
    {
        // Nothing of its own: the runtime owns the sockets' event loop.
    }
}
