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
    private readonly Lock _lock = new();
    private EpollLoop[]? _loops;
    private int _next;

    public string Name => "epoll";

    public ProxyAcceptor Listen(Socket listening) => new EpollAcceptor(this, NextLoop(), listening);

    public EpollLoop NextLoop()
    {
        var loops = Volatile.Read(ref _loops) ?? Start();
        return loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length)];
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var loop in _loops ?? [])
            {
                loop.Dispose();
            }

            _loops = null;
        }
    }

    private EpollLoop[] Start()
    {
        lock (_lock)
        {
            if (_loops is null)
            {
                var loops = new EpollLoop[loopCount];
                for (var i = 0; i < loops.Length; i++)
                {
                    loops[i] = new EpollLoop($"convey-loop-{i}", logger);
                }

                Volatile.Write(ref _loops, loops);
            }

            return _loops;
        }
    }
}
