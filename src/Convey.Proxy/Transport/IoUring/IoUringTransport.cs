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
    private readonly Lock _lock = new();
    private IoUringLoop[]? _loops;
    private int _next;

    public string Name => "io_uring";

    public ProxyAcceptor Listen(Socket listening) => new IoUringAcceptor(this, NextLoop(), listening);

    public IoUringLoop NextLoop()
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

    private IoUringLoop[] Start()
    {
        lock (_lock)
        {
            if (_loops is null)
            {
                var loops = new IoUringLoop[loopCount];
                for (var i = 0; i < loops.Length; i++)
                {
                    loops[i] = new IoUringLoop($"convey-uring-{i}", sizes, bufferSize, logger);
                }

                Volatile.Write(ref _loops, loops);
            }

            return _loops;
        }
    }
}
