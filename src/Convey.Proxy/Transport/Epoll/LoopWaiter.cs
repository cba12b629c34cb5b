using System.Threading.Tasks.Sources;

namespace Convey.Proxy.Transport.Epoll;

/// <summary>
/// One awaitable wait at a time, completed by its event loop. Continuations run inline on the loop's thread
/// (no thread-pool hop), which is what keeps a connection on its loop from accept to close.
/// </summary>
internal sealed class LoopWaiter : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;

    public bool IsWaiting { get; private set; }

    public ValueTask WaitAsync()
    {
        _core.Reset();
        IsWaiting = true;
        return new ValueTask(this, _core.Version);
    }

    public void Complete()
    {
        if (IsWaiting)
        {
            IsWaiting = false;
            _core.SetResult(true);
        }
    }

    public void Fail(Exception exception)
    {
        if (IsWaiting)
        {
            IsWaiting = false;
            _core.SetException(exception);
        }
    }

    public void GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
