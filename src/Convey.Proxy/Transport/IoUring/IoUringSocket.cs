using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading.Tasks.Sources;
using Convey.Proxy.Interop;
using Convey.Proxy.Transport.Epoll;
using static Convey.Proxy.Interop.IoUringAbi;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Transport.IoUring;

/// <summary>
/// A TCP socket served by one <see cref="IoUringLoop"/>, used only on that loop's thread. Reading is a multishot
/// receive with buffer selection, armed when someone first waits to read: the kernel takes a provided buffer
/// only when data arrives, queues it on this socket (<see cref="ProvidedBuffers.Next"/>), and keeps receiving
/// without a new submission. Backpressure: once <see cref="MaxQueued"/> buffers wait unread (the other side
/// sends slower than this side receives) the receive is cancelled, and armed again when the queue has been
/// taken. The end of the stream and errors are reported after the data queued before them. Sends go out of
/// whatever memory they are given, pinned until their completion; short sends are resubmitted for the rest.
/// Closing cancels whatever is in the kernel and closes the descriptor in one linked submission; the socket
/// keeps its slot until the last cancelled operation has completed, and returns the buffers it held.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class IoUringSocket : ProxySocket, IIoUringHandler, IValueTaskSource
{
    /// <summary>Received buffers a socket may hold unread before its receive is cancelled.</summary>
    public const int MaxQueued = 4;

    private const byte ReceiveOperation = 2;
    private const byte SendOperation = 3;
    private const byte ConnectOperation = 4;
    private readonly IoUringLoop _loop;
    private int _descriptor;
    private int _slot = -1;
    private int _inFlight;
    private Receive _receive;
    private bool _starved;
    private int _head = -1;
    private int _tail = -1;
    private int _queued;
    private int _headOffset;
    private bool _ended;
    private int _receiveError;
    private ManualResetValueTaskSourceCore<bool> _wait;
    private Wait _waitingFor;
    private LoopWaiter? _sendWaiter;
    private MemoryHandle _sendPin;
    private nint _sendNext;
    private int _sendLeft;
    private IPEndPoint? _remote;
    private IPEndPoint? _local;

    /// <summary>Wraps a descriptor: an accepted connection (<paramref name="local"/> known for a listener on one address) or a new socket.</summary>
    public IoUringSocket(IoUringLoop loop, int descriptor, IPEndPoint? local)
    {
        _loop = loop;
        _descriptor = descriptor;
        _local = local;
    }

    private enum Receive
    {
        Idle,
        Armed,
        Cancelling,
    }

    private enum Wait
    {
        None,
        Readable,
        Connected,
    }

    public override IPEndPoint RemoteEndPoint => _remote ??= ReadAddress(peer: true);

    public override IPEndPoint LocalEndPoint => _local ??= ReadAddress(peer: false);

    public override void Dispatch(Action<object?> work, object? state) => _loop.Dispatch(work, state);

    public override ProxySocket CreateOutbound(AddressFamily family)
    {
        // Blocking on purpose: the ring does its operations without blocking and waits for readiness itself.
        var descriptor = Native.Socket(family == AddressFamily.InterNetworkV6 ? 10 : 2, 1 | 0x80000, 0);
        if (descriptor < 0)
        {
            throw SocketErrors.FromErrno(Marshal.GetLastPInvokeError(), "socket");
        }

        var socket = new IoUringSocket(_loop, descriptor, null);
        unsafe
        {
            var noDelay = 1;
            if (Native.SetSockOpt(descriptor, Native.IpProtoTcp, Native.TcpNoDelay, &noDelay, sizeof(int)) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                socket.Close();
                throw SocketErrors.FromErrno(errno, "setsockopt");
            }
        }

        return socket;
    }

    /// <summary>Connects, linked in the ring with a timeout of <paramref name="timeout"/>: past it the connect fails as timed out.</summary>
    public override unsafe ValueTask ConnectAsync(IPEndPoint endPoint, TimeSpan timeout)
    {
        ThrowIfClosed();
        EnsureRegistered();
        _remote = endPoint;
        var ring = _loop.Ring;
        var limited = timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan;

        // Room first, then the scratch memory: making room may submit, which frees the scratch area.
        ring.Reserve(2);
        var scratch = ring.Scratch(NativeSocketAddress.MaxLength + 16);
        var length = NativeSocketAddress.Write(endPoint, new Span<byte>(scratch, NativeSocketAddress.MaxLength));
        ring.Prepare(OpConnect, _descriptor, IoUringLoop.UserData(_slot, ConnectOperation), address: (ulong)scratch, offset: (ulong)length, flags: limited ? SqeIoLink : (byte)0);
        if (limited)
        {
            // struct __kernel_timespec { long tv_sec; long tv_nsec; }
            var timespec = (long*)(scratch + NativeSocketAddress.MaxLength + 4);
            timespec = (long*)(((nint)timespec + 7) & ~7);
            timespec[0] = timeout.Ticks / TimeSpan.TicksPerSecond;
            timespec[1] = timeout.Ticks % TimeSpan.TicksPerSecond * 100;
            ring.Prepare(OpLinkTimeout, -1, IoUringLoop.Ignored, address: (ulong)timespec, length: 1);
        }

        _inFlight++;
        return StartWait(Wait.Connected);
    }

    public override ValueTask WaitReadableAsync()
    {
        ThrowIfClosed();
        EnsureRegistered();
        ArmIfWanted();
        return HasNews ? default : StartWait(Wait.Readable);
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        ThrowIfClosed();
        if (_queued > 0 && !buffer.IsEmpty)
        {
            return new ValueTask<int>(Copy(buffer.Span));
        }

        if (_receiveError != 0)
        {
            throw SocketErrors.FromErrno(_receiveError, "recv");
        }

        return _ended ? new ValueTask<int>(0) : ReceiveWhenReadableAsync(buffer);
    }

    /// <summary>
    /// Takes the oldest received buffer, whole, to send from it; false at the end of the stream (throws the
    /// receive's error once the data before it is taken). The caller gives it back with <see cref="Release"/>.
    /// </summary>
    public bool TryTake(out int id, out ReadOnlyMemory<byte> data)
    {
        ThrowIfClosed();
        if (_queued == 0)
        {
            if (_receiveError != 0)
            {
                throw SocketErrors.FromErrno(_receiveError, "recv");
            }

            id = -1;
            data = default;
            return false;
        }

        var buffers = _loop.Buffers;
        id = _head;
        data = buffers.Slice(id, _headOffset, buffers.Length(id) - _headOffset);
        Dequeue();
        ArmIfWanted();
        return true;
    }

    /// <summary>Gives back a buffer from <see cref="TryTake"/> once sent (or given up).</summary>
    public void Release(int id) => _loop.Buffers.Recycle(id);

    public override ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        ThrowIfClosed();
        if (data.IsEmpty)
        {
            return default;
        }

        EnsureRegistered();
        _sendPin = data.Pin();
        unsafe
        {
            _sendNext = (nint)_sendPin.Pointer;
        }

        _sendLeft = data.Length;
        SubmitSend();
        return (_sendWaiter ??= new()).WaitAsync();
    }

    public override void ShutdownSend()
    {
        ThrowIfClosed();

        // shutdown(2) itself: the ring would hand it to a worker thread, which costs more than the call.
        if (Native.Shutdown(_descriptor, Native.ShutdownWrite) != 0)
        {
            throw SocketErrors.FromErrno(Marshal.GetLastPInvokeError(), "shutdown");
        }
    }

    public override void Close()
    {
        if (_descriptor < 0)
        {
            return;
        }

        var descriptor = _descriptor;
        _descriptor = -1;
        if (_slot < 0)
        {
            // Never used on its loop: nothing of it is in the kernel (an accepted connection refused at once).
            Native.Close(descriptor);
            return;
        }

        // Operations in the kernel hold the socket open: cancel them all, then close, whatever the cancel found.
        var ring = _loop.Ring;
        ring.Reserve(2);
        ring.Prepare(OpAsyncCancel, descriptor, IoUringLoop.Ignored, opFlags: CancelAll | CancelDescriptor, flags: SqeIoHardLink | SqeCqeSkipSuccess);
        ring.Prepare(OpClose, descriptor, IoUringLoop.Ignored, flags: SqeCqeSkipSuccess);
        while (_queued > 0)
        {
            var id = _head;
            Dequeue();
            Release(id);
        }

        if (_waitingFor != Wait.None)
        {
            _waitingFor = Wait.None;
            _wait.SetException(new ObjectDisposedException(nameof(IoUringSocket)));
        }

        ReleaseSlotIfDone();
    }

    public override unsafe void Reset()
    {
        if (_descriptor < 0)
        {
            return;
        }

        // struct linger { int l_onoff; int l_linger; } = { 1, 0 }: the close sends a reset.
        var linger = stackalloc int[2] { 1, 0 };
        Native.SetSockOpt(_descriptor, Native.SolSocket, Native.SoLinger, linger, sizeof(int) * 2);
        Close();
    }

    public void OnCompletion(byte operation, int result, uint flags)
    {
        switch (operation)
        {
            case ReceiveOperation:
                OnReceived(result, flags);
                break;
            case SendOperation:
                OnSent(result);
                break;
            case ConnectOperation:
                OnConnected(result);
                break;
        }

        ReleaseSlotIfDone();
    }

    /// <summary>Called by the loop when buffers came back after this socket's receive ran out of them.</summary>
    public void OnBuffersAvailable()
    {
        _starved = false;
        ArmIfWanted();
    }

    void IValueTaskSource.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);

    /// <summary>Data, the end of the stream or an error is there for a reader.</summary>
    private bool HasNews => _queued > 0 || _ended || _receiveError != 0;

    private void OnReceived(int result, uint flags)
    {
        var more = (flags & CqeFMore) != 0;
        if (!more)
        {
            _inFlight--;
            _receive = Receive.Idle;
        }

        if ((flags & CqeFBuffer) != 0)
        {
            var id = (int)(flags >> CqeBufferShift);
            var buffers = _loop.Buffers;
            buffers.OnTaken(id, Math.Max(result, 0));
            if (_descriptor < 0 || result <= 0)
            {
                buffers.Recycle(id);
            }
            else
            {
                Enqueue(id);
            }
        }

        if (_descriptor < 0)
        {
            return;
        }

        if (result == 0)
        {
            _ended = true;
        }
        else if (result == -Errno.ENOBUFS)
        {
            // The pool is empty: the data stays in the socket until buffers come back.
            _starved = true;
            _loop.WaitForBuffers(this);
        }
        else if (result < 0 && result != -Errno.ECANCELED)
        {
            _receiveError = -result;
        }

        if (_receive == Receive.Armed && _queued >= MaxQueued)
        {
            _receive = Receive.Cancelling;
            _loop.Ring.Prepare(OpAsyncCancel, -1, IoUringLoop.Ignored, address: IoUringLoop.UserData(_slot, ReceiveOperation), flags: SqeCqeSkipSuccess);
        }
        else
        {
            // A multishot receive also ends without an error (a full completion queue): it goes on.
            ArmIfWanted();
        }

        if (_waitingFor == Wait.Readable && HasNews)
        {
            EndWait(null);
        }
    }

    private void OnSent(int result)
    {
        _inFlight--;
        if (_descriptor < 0)
        {
            EndSend(new ObjectDisposedException(nameof(IoUringSocket)));
        }
        else if (result < 0)
        {
            EndSend(result == -Errno.ECANCELED ? new ObjectDisposedException(nameof(IoUringSocket)) : SocketErrors.FromErrno(-result, "send"));
        }
        else if (result == 0)
        {
            EndSend(SocketErrors.FromErrno(Errno.EPIPE, "send"));
        }
        else
        {
            _sendNext += result;
            _sendLeft -= result;
            if (_sendLeft > 0)
            {
                // A short send (a signal, or the peer's window): the rest goes in a new submission.
                SubmitSend();
            }
            else
            {
                EndSend(null);
            }
        }
    }

    private void OnConnected(int result)
    {
        _inFlight--;
        if (_waitingFor != Wait.Connected)
        {
            return;
        }

        EndWait(result switch
        {
            0 => null,
            -Errno.ECANCELED => new SocketException((int)SocketError.TimedOut, "connect failed: the connect timeout passed"),
            _ => SocketErrors.FromErrno(-result, "connect"),
        });
    }

    private void SubmitSend()
    {
        _loop.Ring.Prepare(OpSend, _descriptor, IoUringLoop.UserData(_slot, SendOperation), address: (ulong)_sendNext, length: (uint)_sendLeft, opFlags: MsgNoSignal | MsgWaitAll);
        _inFlight++;
    }

    private void EndSend(Exception? error)
    {
        _sendPin.Dispose();
        _sendPin = default;
        if (error is null)
        {
            _sendWaiter!.Complete();
        }
        else
        {
            _sendWaiter!.Fail(error);
        }
    }

    /// <summary>Arms the multishot receive unless it runs, the stream ended, the queue is more than half full or the pool is empty.</summary>
    private void ArmIfWanted()
    {
        if (_descriptor < 0 || _receive != Receive.Idle || _ended || _receiveError != 0 || _starved || _queued > MaxQueued / 2)
        {
            return;
        }

        _loop.Ring.Prepare(
            OpRecv,
            _descriptor,
            IoUringLoop.UserData(_slot, ReceiveOperation),
            flags: SqeBufferSelect,
            ioPriority: RecvMultishot,
            bufferGroup: ProvidedBuffers.Group);
        _receive = Receive.Armed;
        _inFlight++;
    }

    private int Copy(Span<byte> destination)
    {
        var buffers = _loop.Buffers;
        var copied = 0;
        while (_queued > 0 && copied < destination.Length)
        {
            var id = _head;
            var available = buffers.Length(id) - _headOffset;
            var count = Math.Min(available, destination.Length - copied);
            buffers.Span(id, _headOffset, count).CopyTo(destination[copied..]);
            copied += count;
            if (count == available)
            {
                Dequeue();
                Release(id);
            }
            else
            {
                _headOffset += count;
            }
        }

        ArmIfWanted();
        return copied;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveWhenReadableAsync(Memory<byte> buffer)
    {
        await WaitReadableAsync().ConfigureAwait(false);
        return await ReceiveAsync(buffer).ConfigureAwait(false);
    }

    private void Enqueue(int id)
    {
        var buffers = _loop.Buffers;
        buffers.Next(id) = -1;
        if (_tail >= 0)
        {
            buffers.Next(_tail) = id;
        }
        else
        {
            _head = id;
        }

        _tail = id;
        _queued++;
    }

    private void Dequeue()
    {
        var next = _loop.Buffers.Next(_head);
        _head = next;
        if (next < 0)
        {
            _tail = -1;
        }

        _headOffset = 0;
        _queued--;
    }

    private ValueTask StartWait(Wait what)
    {
        _wait.Reset();
        _waitingFor = what;
        return new ValueTask(this, _wait.Version);
    }

    private void EndWait(Exception? error)
    {
        _waitingFor = Wait.None;
        if (error is null)
        {
            _wait.SetResult(true);
        }
        else
        {
            _wait.SetException(error);
        }
    }

    private void EnsureRegistered()
    {
        if (_slot < 0)
        {
            _slot = _loop.Register(this);
        }
    }

    private void ReleaseSlotIfDone()
    {
        if (_descriptor < 0 && _inFlight == 0 && _slot >= 0)
        {
            _loop.Release(_slot);
            _slot = -1;
        }
    }

    private unsafe IPEndPoint ReadAddress(bool peer)
    {
        ThrowIfClosed();
        var address = stackalloc byte[NativeSocketAddress.MaxLength];
        var length = NativeSocketAddress.MaxLength;
        var result = peer ? Native.GetPeerName(_descriptor, address, &length) : Native.GetSockName(_descriptor, address, &length);
        if (result != 0)
        {
            throw SocketErrors.FromErrno(Marshal.GetLastPInvokeError(), peer ? "getpeername" : "getsockname");
        }

        return NativeSocketAddress.Read(new ReadOnlySpan<byte>(address, length));
    }

    private void ThrowIfClosed()
    {
        if (_descriptor < 0)
        {
            throw new ObjectDisposedException(nameof(IoUringSocket));
        }
    }
}
