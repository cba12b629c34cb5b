namespace Convey.Proxy;

/// <summary>
/// The engine-wide cap on open proxied connections: <see cref="ProxyEngineOptions.MaxConnections"/>, or by default
/// what the process's descriptor limit allows beside the engine's listeners (so it is resized when a reload
/// changes how many frontends listen). It also spaces out the warning about it, so a flood of refused
/// connections logs one line every <see cref="WarningInterval"/>, not one per connection.
/// </summary>
internal sealed class ConnectionLimit(int max, TimeProvider time)
{
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);
    private long _open;
    private long _lastWarning = long.MinValue;
    private int _max = max;

    public int Max => Volatile.Read(ref _max);

    /// <summary>Takes a place for a new connection; false when the engine is full.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _open) <= Max)
        {
            return true;
        }

        Interlocked.Decrement(ref _open);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _open);

    /// <summary>Changes the cap; connections open beyond a lower one finish, new ones wait until the count is below it.</summary>
    public void Resize(int max) => Volatile.Write(ref _max, max);

    /// <summary>True at most once per <see cref="WarningInterval"/>: whether to log that connections are being refused.</summary>
    public bool TakeWarning()
    {
        var now = time.GetTimestamp();
        var last = Volatile.Read(ref _lastWarning);
        return (last == long.MinValue || time.GetElapsedTime(last, now) >= WarningInterval)
            && Interlocked.CompareExchange(ref _lastWarning, now, last) == last;
    }
}
