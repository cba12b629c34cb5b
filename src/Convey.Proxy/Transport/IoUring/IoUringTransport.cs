using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;

namespace Convey.Proxy.Transport.IoUring;

/// <summary>
/// The engine's io_uring event loops: one ring and one thread per loop (one per processor the process may run on,
/// or as configured), started with the first listener, each with its own pool of receive buffers
/// (<see cref="IoUringSizes"/>). Each listener accepts on one loop; its connections are spread over all of them in turn.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class IoUringTransport(int loopCount, IoUringSizes sizes, int bufferSize, ILogger logger) : ITransport
{
    private readonly LoopSet<IoUringLoop> _loops = new(loopCount, i => new IoUringLoop($"convey-uring-{i}", sizes, bufferSize, logger));

    public string Name => "io_uring";

    public ProxyAcceptor Listen(Socket listening) => new IoUringAcceptor(this, NextLoop(), listening);

    public IoUringLoop NextLoop() => _loops.Next();

    public void Dispose() => _loops.Dispose();
}
