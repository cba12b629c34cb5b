using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Convey.Proxy.Interop;
using Convey.Proxy.Transport.Epoll;
using Microsoft.Extensions.Logging;
using static Convey.Proxy.Interop.IoUringAbi;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Transport.IoUring;

/// <summary>
/// One thread with its own io_uring: each turn submits everything the previous turn queued and sleeps for
/// completions in the same <c>io_uring_enter</c>, then runs, inline, whatever the completions wake (accept loops,
/// connects, relays). The ring, its provided buffers and every socket on it are used only on this thread. An
/// operation's <c>user_data</c> carries its owner's slot and an operation code; a slot is given back only once its
/// owner has no operation in the kernel any more, so a completion always finds the one that submitted it. Other
/// threads hand work in through <see cref="Post"/>, which wakes the loop with an eventfd whose read is always
/// pending on the ring; work the loop posts to itself waits in a plain queue and costs no system call.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class IoUringLoop : IDisposable
{
    /// <summary>Operation code of submissions whose completion nobody waits for (close, cancel, link timeout).</summary>
    public const byte Ignored = 0;

    private const byte Wake = 1;
    private const byte Quiesced = 0xFF;
    private const int QuiesceTurns = 64;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private readonly IoUringSizes _sizes;
    private readonly int _bufferSize;
    private readonly LoopWork _work;
    private readonly Stack<int> _freeSlots = new();
    private readonly Queue<IoUringSocket> _starved = new();
    private readonly ManualResetEventSlim _started = new();
    private IIoUringHandler?[] _handlers = new IIoUringHandler?[256];
    private int _usedSlots = 1;
    private int _wake = -1;
    private unsafe ulong* _wakeCounter;
    private IoUringRing? _ring;
    private ProvidedBuffers? _buffers;
    private Exception? _startFailure;
    private bool _woken;
    private long _starvedReceives;
    private long _completionOverflows;
    private volatile bool _stopping;

    /// <summary>Starts the loop's thread and sets up its ring there (the ring's single issuer); throws when that fails.</summary>
    public IoUringLoop(string name, IoUringSizes sizes, int bufferSize, ILogger logger)
    {
        _logger = logger;
        _sizes = sizes;
        _bufferSize = bufferSize;
        _work = new LoopWork(name, Signal, logger);
        _thread = new Thread(Run) { IsBackground = true, Name = name };

        // As the epoll loop: no caller's ExecutionContext rides into the connections the loop runs.
        _thread.UnsafeStart();
        _started.Wait();
        _started.Dispose();
        if (_startFailure is { } failure)
        {
            _thread.Join();
            throw failure;
        }
    }

    /// <summary>True on the loop's own thread, where its ring and sockets may be used.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>The ring (loop thread only).</summary>
    public IoUringRing Ring => _ring!;

    /// <summary>The receive buffers (loop thread only).</summary>
    public ProvidedBuffers Buffers => _buffers!;

    /// <summary>Receives that ended because the buffer pool was empty (each armed again once buffers came back).</summary>
    public long StarvedReceives => Volatile.Read(ref _starvedReceives);

    /// <summary>Loop turns that found completions the completion queue had no room for (the kernel kept them; none is lost).</summary>
    public long CompletionOverflows => Volatile.Read(ref _completionOverflows);

    /// <summary>The <c>user_data</c> of an operation of the owner of <paramref name="slot"/>.</summary>
    public static ulong UserData(int slot, byte operation) => ((ulong)(uint)slot << 8) | operation;

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

    /// <summary>Queues <paramref name="work"/> to run on the loop after the completions at hand.</summary>
    public void Post(Action<object?> work, object? state)
        => _work.Post(onLoop: IsCurrent, work, state);

    /// <summary>A slot for <paramref name="handler"/>'s operations (loop thread only).</summary>
    public int Register(IIoUringHandler handler)
    {
        if (!_freeSlots.TryPop(out var slot))
        {
            if (_usedSlots == _handlers.Length)
            {
                Array.Resize(ref _handlers, _handlers.Length * 2);
            }

            slot = _usedSlots++;
        }

        _handlers[slot] = handler;
        return slot;
    }

    /// <summary>Gives a slot back; only once no operation of its owner is in the kernel (loop thread only).</summary>
    public void Release(int slot)
    {
        _handlers[slot] = null;
        _freeSlots.Push(slot);
    }

    /// <summary>Notes that <paramref name="socket"/>'s receive ended for want of buffers; it is armed again once some come back.</summary>
    public void WaitForBuffers(IoUringSocket socket)
    {
        _starved.Enqueue(socket);
        Volatile.Write(ref _starvedReceives, _starvedReceives + 1);
    }

    public void Dispose()
    {
        _stopping = true;
        Signal();
        if (!IsCurrent)
        {
            _thread.Join();
        }
    }

    private unsafe void Signal()
    {
        if (_wake < 0)
        {
            return;
        }

        ulong one = 1;
        Native.Write(_wake, (byte*)&one, sizeof(ulong));
    }

    private unsafe void Run()
    {
        try
        {
            _ring = IoUringRing.Create(_sizes.SubmissionEntries, _sizes.CompletionEntries);
            _buffers = new ProvidedBuffers(_ring, _sizes.Buffers, _bufferSize);

            // Blocking on purpose: the ring's read of it waits for a post instead of failing with EAGAIN.
            _wake = Native.EventFd(0, Native.EventFdCloseOnExec);
            if (_wake < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new Win32Exception(errno, $"eventfd failed (errno {errno})");
            }

            _wakeCounter = (ulong*)NativeMemory.Alloc(sizeof(ulong));
            ArmWake();
        }
#pragma warning disable CA1031 // Any failure to set up is handed to the constructor, which throws it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _startFailure = ex;
            CleanUp();
            _started.Set();
            return;
        }

        _started.Set();
        try
        {
            while (!_stopping)
            {
                // Work deferred by the loop itself, or buffers back for starved receives, must not wait for a completion.
                var minComplete = _work.HasDeferred || CanFeedStarved() ? 0u : 1u;
                if (_ring.CompletionsOverflowed)
                {
                    // This enter flushes the kept completions into the queue, in order, as room frees up.
                    Volatile.Write(ref _completionOverflows, _completionOverflows + 1);
                }

                var result = _ring.SubmitAndWait(minComplete);
                if (result < 0 && result is not (-Errno.EINTR or -Errno.EAGAIN or -Errno.EBUSY or -Errno.ETIME))
                {
                    Fail(-result);
                }

                while (_ring.TryTakeCompletion(out var userData, out var res, out var flags))
                {
                    Complete(userData, res, flags);
                }

                if (_woken)
                {
                    _woken = false;
                    _work.RunPosted();
                }

                _work.RunDeferred();
                FeedStarved();
            }
        }
        finally
        {
            Quiesce();
            CleanUp();
        }
    }

    /// <summary>
    /// Cancels every operation still in the kernel and takes their completions, so that once the ring is closed
    /// nothing can receive into the buffers freed after it: with deferred task running a receive only runs inside
    /// this thread's <c>io_uring_enter</c>, and after the cancel none is armed any more.
    /// </summary>
    private void Quiesce()
    {
        try
        {
            _ring!.Prepare(OpAsyncCancel, -1, Quiesced, opFlags: CancelAll | CancelAny);
            for (var turn = 0; turn < QuiesceTurns; turn++)
            {
                var result = _ring.SubmitAndWait(1);
                if (result < 0 && result is not (-Errno.EINTR or -Errno.EAGAIN or -Errno.EBUSY or -Errno.ETIME))
                {
                    return;
                }

                var cancelled = false;
                while (_ring.TryTakeCompletion(out var userData, out _, out _))
                {
                    cancelled |= userData == Quiesced;
                }

                if (cancelled)
                {
                    // Completions the cancellation posted as task work come with one more look.
                    _ring.SubmitAndWait(0);
                    while (_ring.TryTakeCompletion(out _, out _, out _))
                    {
                    }

                    return;
                }
            }
        }
        catch (Win32Exception)
        {
            // The ring is beyond use; closing it is all that is left.
        }
    }

    private unsafe void ArmWake() =>
        _ring!.Prepare(OpRead, _wake, Wake, address: (ulong)_wakeCounter, length: sizeof(ulong));

    private void Complete(ulong userData, int result, uint flags)
    {
        var operation = (byte)userData;
        if (operation == Wake)
        {
            _woken = true;
            ArmWake();
            return;
        }

        var handler = operation == Ignored ? null : _handlers[(int)(userData >> 8)];
        if (handler is null)
        {
            if ((flags & CqeFBuffer) != 0)
            {
                var id = (int)(flags >> CqeBufferShift);
                _buffers!.OnTaken(id, 0);
                _buffers.Recycle(id);
            }

            return;
        }

        _work.Run(static completion => completion.Handler.OnCompletion(completion.Operation, completion.Result, completion.Flags), (Handler: handler, Operation: operation, Result: result, Flags: flags));
    }

    private bool CanFeedStarved() => _starved.Count > 0 && _buffers!.Lent < _buffers.Count;

    private void FeedStarved()
    {
        for (var pending = _starved.Count; pending > 0 && CanFeedStarved(); pending--)
        {
            _starved.Dequeue().OnBuffersAvailable();
        }
    }




    private unsafe void CleanUp()
    {
        // The ring goes first: closing it ends every operation still in the kernel, so none writes into the buffers freed next.
        _ring?.Dispose();
        ((IDisposable?)_buffers)?.Dispose();
        if (_wake >= 0)
        {
            Native.Close(_wake);
            _wake = -1;
        }

        if (_wakeCounter is not null)
        {
            NativeMemory.Free(_wakeCounter);
            _wakeCounter = null;
        }
    }

    /// <summary>As <see cref="EpollLoop"/>: a ring that cannot be entered any more cannot serve its connections, so the process stops.</summary>
    [DoesNotReturn]
    private void Fail(int errno)
    {
        LoopLog.LoopFailed(_logger, _thread.Name, "io_uring_enter", errno);
        Environment.FailFast(
            $"Event loop {_thread.Name}: io_uring_enter failed with errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}). " +
            "The loop cannot serve its connections any more and would still be handed new ones, so the process stops.");
    }
}
