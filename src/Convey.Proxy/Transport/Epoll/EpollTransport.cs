using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;

namespace Convey.Proxy.Transport.Epoll;

/// <summary>
/// The engine's own event loops: one per processor the process may run on (or as configured), started with the
/// first listener. Each listener accepts on one loop; its connections are spread over all of them in turn.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class EpollTransport(int loopCount, ILogger logger) : ITransport
{
    private readonly LoopSet<EpollLoop> _loops = new(loopCount, i => new EpollLoop($"convey-loop-{i}", logger));

    public string Name => "epoll";

    public ProxyAcceptor Listen(Socket listening) => new EpollAcceptor(this, NextLoop(), listening);

    public EpollLoop NextLoop() => _loops.Next();

    public void Dispose() => _loops.Dispose();
}
