using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Convey.Proxy.Transport;

/// <summary>
/// The work handed to one event loop besides its I/O: from other threads through a concurrent queue and one
/// wake-up per batch (<paramref name="wake"/>), from the loop itself through a plain queue that costs no system
/// call. Each run takes only what is queued when it starts, so work queued by that work waits for the loop's next
/// look at its I/O. Work that throws is logged (event 2302) and the loop goes on.
/// </summary>
internal sealed class LoopWork(string? loop, Action wake, ILogger logger)
{
    private readonly ConcurrentQueue<(Action<object?> Work, object? State)> _posted = new();
    private readonly Queue<(Action<object?> Work, object? State)> _deferred = new();
    private int _wakePending;

    /// <summary>Work the loop queued for itself: its next wait must only look, not sleep.</summary>
    public bool HasDeferred => _deferred.Count > 0;

    /// <summary>Queues <paramref name="work"/>; <paramref name="onLoop"/> says whether the caller is the loop's thread.</summary>
    public void Post(bool onLoop, Action<object?> work, object? state)
    {
        if (onLoop)
        {
            _deferred.Enqueue((work, state));
            return;
        }

        _posted.Enqueue((work, state));
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            wake();
        }
    }

    /// <summary>Runs what other threads posted (after the loop was woken), waking it again when more came meanwhile.</summary>
    public void RunPosted()
    {
        Volatile.Write(ref _wakePending, 0);
        for (var pending = _posted.Count; pending > 0 && _posted.TryDequeue(out var item); pending--)
        {
            Execute(item);
        }

        if (!_posted.IsEmpty && Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            wake();
        }
    }

    /// <summary>Runs what the loop queued for itself.</summary>
    public void RunDeferred()
    {
        for (var pending = _deferred.Count; pending > 0; pending--)
        {
            Execute(_deferred.Dequeue());
        }
    }

    /// <summary>Runs <paramref name="work"/> now, logging instead of throwing: one connection's failure never stops the loop.</summary>
    public void Run<T>(Action<T> work, T argument)
    {
        try
        {
            work(argument);
        }
#pragma warning disable CA1031 // The loop serves every connection on it: one handler's failure is logged, never fatal.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LoopLog.HandlerFailed(logger, ex, loop);
        }
    }

    private void Execute((Action<object?> Work, object? State) item) => Run(item.Work, item.State);
}
