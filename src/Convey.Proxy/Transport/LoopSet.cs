namespace Convey.Proxy.Transport;

/// <summary>
/// The event loops of a transport, started with the first one asked for (the first listener) and handed out in
/// turn: each listener accepts on one, and its connections are spread over all of them.
/// </summary>
internal sealed class LoopSet<TLoop>(int count, Func<int, TLoop> start) : IDisposable
    where TLoop : IDisposable
{
    private readonly Lock _lock = new();
    private TLoop[]? _loops;
    private int _next;

    public TLoop Next()
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

    private TLoop[] Start()
    {
        lock (_lock)
        {
            if (_loops is null)
            {
                var loops = new TLoop[count];
                for (var i = 0; i < loops.Length; i++)
                {
                    loops[i] = start(i);
                }

                Volatile.Write(ref _loops, loops);
            }

            return _loops;
        }
    }
}
