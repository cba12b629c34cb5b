using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Convey.Proxy.Interop;
using Microsoft.Extensions.Logging;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Transport.Epoll;

/// <summary>
/// One thread waiting in <c>epoll_wait</c> and running, inline, whatever the events wake: accept loops, connects,
/// relays. Descriptors are registered once, edge-triggered, for reading and writing; each carries a slot and a
/// generation in its event data, so an event still queued for a descriptor closed earlier in the same batch
/// reaches no one. Other threads hand work in through <see cref="Post"/>, which wakes the loop with an eventfd;
/// work the loop posts to itself waits in a plain queue and costs no system call.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = ulong.MaxValue;
    private const uint SocketEvents = EpollEventLayout.In | EpollEventLayout.Out | EpollEventLayout.ReadHangUp | EpollEventLayout.EdgeTriggered;
    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private readonly LoopWork _work;
    private readonly Stack<int> _freeSlots = new();
    private IEpollHandler?[] _handlers = new IEpollHandler?[256];
    private uint[] _generations = new uint[256];
    private int _usedSlots;
    private volatile bool _stopping;

    public EpollLoop(string name, ILogger logger)
    {
        _logger = logger;
        _epoll = Native.EpollCreate1(Native.EpollCloseOnExec);
        if (_epoll < 0)
        {
            throw SocketErrors.FromErrno(Marshal.GetLastPInvokeError(), "epoll_create1");
        }

        _wake = Native.EventFd(0, Native.EventFdNonBlockCloseOnExec);
        if (_wake < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Native.Close(_epoll);
            throw SocketErrors.FromErrno(errno, "eventfd");
        }

        AddInterest(_wake, EpollEventLayout.In, WakeToken);
        _work = new LoopWork(name, Signal, logger);
        _thread = new Thread(Run) { IsBackground = true, Name = name };

        // The loop serves whoever hands it work: it carries no caller's ExecutionContext (AsyncLocal values,
        // logging scopes, Activity.Current) into the connections it runs.
        _thread.UnsafeStart();
    }

    /// <summary>True on the loop's own thread, where its descriptors may be used.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>Runs <paramref name="work"/> on the loop: at once when called there, else queued.</summary>
    public void Dispatch(Action<object?> work, object? state)
    {
        if (IsCurrent)
        {
            work(state);
        }
        else
        {
            Post(work, state);
        }
    }

    /// <summary>Queues <paramref name="work"/> to run on the loop after the events at hand.</summary>
    public void Post(Action<object?> work, object? state)
        => _work.Post(onLoop: IsCurrent, work, state);

    /// <summary>Registers <paramref name="descriptor"/> (loop thread only); returns the token to deregister it with.</summary>
    public ulong Register(int descriptor, IEpollHandler handler)
    {
        var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : NewSlot();
        var token = ((ulong)_generations[slot] << 32) | (uint)slot;
        _handlers[slot] = handler;
        try
        {
            AddInterest(descriptor, SocketEvents, token);
        }
        catch
        {
            Release(token);
            throw;
        }

        return token;
    }

    /// <summary>
    /// Forgets a registration (loop thread only), before its descriptor is closed; closing takes it out of the
    /// epoll set, and events of it still in hand are dropped by the generation check.
    /// </summary>
    public void Release(ulong token)
    {
        var slot = (int)(uint)token;
        _handlers[slot] = null;
        _generations[slot]++;
        _freeSlots.Push(slot);
    }

    public void Dispose()
    {
        _stopping = true;
        Signal();
        if (!IsCurrent)
        {
            _thread.Join();
        }

        Native.Close(_wake);
        Native.Close(_epoll);
    }

    private int NewSlot()
    {
        if (_usedSlots == _handlers.Length)
        {
            Array.Resize(ref _handlers, _handlers.Length * 2);
            Array.Resize(ref _generations, _generations.Length * 2);
        }

        return _usedSlots++;
    }

    private unsafe void AddInterest(int descriptor, uint events, ulong token)
    {
        var @event = stackalloc byte[16];
        EpollEventLayout.Write(new Span<byte>(@event, 16), events, token);
        if (Native.EpollCtl(_epoll, Native.EpollCtlAdd, descriptor, @event) != 0)
        {
            throw SocketErrors.FromErrno(Marshal.GetLastPInvokeError(), "epoll_ctl");
        }
    }

    private unsafe void Signal()
    {
        ulong one = 1;
        Native.Write(_wake, (byte*)&one, sizeof(ulong));
    }

    private unsafe void Run()
    {
        var size = EpollEventLayout.Size * MaxEvents;
        var events = (byte*)NativeMemory.Alloc((nuint)size);
        try
        {
            while (!_stopping)
            {
                // Work deferred by the loop itself must not wait for an event: then only look, do not sleep.
                var count = Native.EpollWait(_epoll, events, MaxEvents, _work.HasDeferred ? 0 : -1);
                if (count < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    Fail(errno);
                }

                var batch = new ReadOnlySpan<byte>(events, size);
                var woken = false;
                for (var i = 0; i < count; i++)
                {
                    var token = EpollEventLayout.ReadData(batch, i);
                    if (token == WakeToken)
                    {
                        woken = true;
                        continue;
                    }

                    var slot = (int)(uint)token;
                    if (_handlers[slot] is { } handler && _generations[slot] == (uint)(token >> 32))
                    {
                        Deliver(handler, EpollEventLayout.ReadEvents(batch, i));
                    }
                }

                if (woken)
                {
                    RunPosted();
                }

                _work.RunDeferred();
            }
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    /// <summary>
    /// epoll_wait fails only on a broken epoll descriptor or memory (EBADF, EFAULT, EINVAL): the loop cannot serve
    /// its connections any more, and the transport would go on handing it new ones. As dotnet/runtime's socket
    /// engine does, stop the process with the reason rather than leave it silently half alive; its supervisor
    /// (systemd Restart=) starts it again. docs/architecture.md, "Event loops and packet workers".
    /// </summary>
    [DoesNotReturn]
    private void Fail(int errno)
    {
        LoopLog.LoopFailed(_logger, _thread.Name, "epoll_wait", errno);
        Environment.FailFast(
            $"Event loop {_thread.Name}: epoll_wait failed with errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}). " +
            "The loop cannot serve its connections any more and would still be handed new ones, so the process stops.");
    }

    private void Deliver(IEpollHandler handler, uint events) =>
        _work.Run(static delivery => delivery.Handler.OnEvents(delivery.Events), (Handler: handler, Events: events));


    private unsafe void RunPosted()
    {
        ulong counter;
        Native.Read(_wake, (byte*)&counter, sizeof(ulong));
        _work.RunPosted();
    }

}
