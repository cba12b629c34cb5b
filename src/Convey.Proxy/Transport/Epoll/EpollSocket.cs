using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading.Tasks.Sources;
using Convey.Proxy.Interop;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Transport.Epoll;

/// <summary>
/// A non-blocking TCP socket served by one <see cref="EpollLoop"/>, used only on that loop's thread. It keeps
/// what the last events and calls said (readable, writable, peer closed) so that a read is only tried when data
/// is there: a read that returns less than it asked for drained the socket, so the next one waits for an event
/// instead of failing with EAGAIN first (as Tokio does). The end of the peer's stream is sticky: after it every
/// read is tried, until it returns 0. The socket is itself the awaitable of its one wait for reading (or for its
/// connect to finish), so waiting allocates nothing; a send that finds the socket full waits on a second waiter,
/// made the first time it is needed.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class EpollSocket : ProxySocket, IEpollHandler, IValueTaskSource
{
    private readonly EpollLoop _loop;
    private int _descriptor;
    private ulong _token;
    private bool _registered;
    private bool _readable;
    private bool _writable;
    private bool _peerClosed;
    private bool _errorPending;
    private ManualResetValueTaskSourceCore<bool> _wait;
    private Wait _waitingFor;
    private LoopWaiter? _writeWaiter;
    private IPEndPoint? _remote;
    private IPEndPoint? _local;

    /// <summary>
    /// Wraps a connected (accepted) descriptor, which has room to send. It is not taken as readable: its client
    /// often has not sent yet, and a read tried then would hold a buffer while it waits. Registering it reports
    /// data already there as an event.
    /// </summary>
    public EpollSocket(EpollLoop loop, int descriptor, IPEndPoint remote, IPEndPoint? local)
        : this(loop, descriptor)
    {
        _remote = remote;
        _local = local;
        _writable = true;
    }

    private EpollSocket(EpollLoop loop, int descriptor)
    {
        _loop = loop;
        _descriptor = descriptor;
    }

    /// <summary>The descriptor, for splice(2); valid on the loop's thread until <see cref="Close"/>.</summary>
    public int Descriptor => _descriptor >= 0 ? _descriptor : throw new ObjectDisposedException(nameof(EpollSocket));

    public override IPEndPoint RemoteEndPoint => _remote ?? throw new SocketException((int)SocketError.NotConnected);

    public override IPEndPoint LocalEndPoint => _local ??= ReadLocalEndPoint();

    public override void Dispatch(Action<object?> work, object? state) => _loop.Dispatch(work, state);

    public override ProxySocket CreateOutbound(AddressFamily family)
    {
        var descriptor = Native.Socket(family == AddressFamily.InterNetworkV6 ? 10 : 2, Native.SocketStreamNonBlockCloseOnExec, 0);
        if (descriptor < 0)
        {
            throw SocketErrors.FromErrno(Marshal.GetLastPInvokeError(), "socket");
        }

        var socket = new EpollSocket(_loop, descriptor);
        socket.SetOption(Native.IpProtoTcp, Native.TcpNoDelay, 1);
        return socket;
    }

    public override ValueTask ConnectAsync(IPEndPoint endPoint, TimeSpan timeout)
    {
        ThrowIfClosed();
        _remote = endPoint;
        int result;
        unsafe
        {
            var address = stackalloc byte[NativeSocketAddress.MaxLength];
            var length = NativeSocketAddress.Write(endPoint, new Span<byte>(address, NativeSocketAddress.MaxLength));
            result = Native.Connect(_descriptor, address, length);
        }

        if (result == 0)
        {
            _writable = true;
            return default;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is not (Errno.EINPROGRESS or Errno.EINTR))
        {
            throw SocketErrors.FromErrno(errno, "connect");
        }

        // Registered only now: an unconnected socket polls as hung up.
        EnsureRegistered();
        return StartWait(Wait.Connected);
    }

    public override ValueTask WaitReadableAsync()
    {
        ThrowIfClosed();
        EnsureRegistered();
        return _readable || _peerClosed ? default : StartWait(Wait.Readable);
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        if (_readable || _peerClosed)
        {
            var received = TryReceive(buffer.Span);
            if (received >= 0)
            {
                return new ValueTask<int>(received);
            }
        }

        return ReceiveWhenReadableAsync(buffer);
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        var sent = TrySend(data.Span);
        return sent == data.Length ? default : SendWhenWritableAsync(data[sent..]);
    }

    public override void ShutdownSend()
    {
        ThrowIfClosed();
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

        if (_registered)
        {
            _loop.Release(_token);
        }

        Native.Close(_descriptor);
        _descriptor = -1;
        if (_waitingFor != Wait.None || _writeWaiter is { IsWaiting: true })
        {
            var closed = new ObjectDisposedException(nameof(EpollSocket));
            if (_waitingFor != Wait.None)
            {
                _waitingFor = Wait.None;
                _wait.SetException(closed);
            }

            _writeWaiter?.Fail(closed);
        }
    }

    public override unsafe void Reset()
    {
        if (_descriptor < 0)
        {
            return;
        }

        // struct linger { int l_onoff; int l_linger; } = { 1, 0 }: close sends a reset.
        var linger = stackalloc int[2] { 1, 0 };
        Native.SetSockOpt(_descriptor, Native.SolSocket, Native.SoLinger, linger, sizeof(int) * 2);
        Close();
    }

    /// <summary>Notes that a read outside <see cref="ReceiveAsync"/> (splice) found no data: the next wait waits for an event.</summary>
    public void OnReadDrained()
    {
        if (!_peerClosed)
        {
            _readable = false;
        }
    }

    public void OnEvents(uint events)
    {
        if ((events & (EpollEventLayout.ReadHangUp | EpollEventLayout.HangUp | EpollEventLayout.Error)) != 0)
        {
            _peerClosed = true;
        }

        if ((events & EpollEventLayout.Error) != 0)
        {
            _errorPending = true;
        }

        if ((events & (EpollEventLayout.In | EpollEventLayout.ReadHangUp | EpollEventLayout.HangUp | EpollEventLayout.Error)) != 0)
        {
            _readable = true;
        }

        if ((events & (EpollEventLayout.Out | EpollEventLayout.HangUp | EpollEventLayout.Error)) != 0)
        {
            _writable = true;
        }

        // Each check reads the state afresh: the first continuation may have changed it (or closed the socket).
        if ((_waitingFor == Wait.Readable && (_readable || _peerClosed)) || (_waitingFor == Wait.Connected && _writable))
        {
            EndWait();
        }

        if (_writable)
        {
            _writeWaiter?.Complete();
        }
    }

    void IValueTaskSource.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);

    /// <summary>Receives without waiting: the count (0 at end of stream), or -1 when no data is there.</summary>
    private unsafe int TryReceive(Span<byte> buffer)
    {
        ThrowIfClosed();
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                var received = Native.Recv(_descriptor, bytes, (nuint)buffer.Length, 0);
                if (received >= 0)
                {
                    if (received < buffer.Length && !_peerClosed)
                    {
                        _readable = false;
                    }

                    return (int)received;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EAGAIN)
                {
                    _readable = false;
                    return -1;
                }

                if (errno != Errno.EINTR)
                {
                    throw SocketErrors.FromErrno(errno, "recv");
                }
            }
        }
    }

    /// <summary>Sends without waiting: how many bytes the socket took.</summary>
    private unsafe int TrySend(ReadOnlySpan<byte> data)
    {
        ThrowIfClosed();
        var sent = 0;
        fixed (byte* bytes = data)
        {
            while (_writable && sent < data.Length)
            {
                var result = Native.Send(_descriptor, bytes + sent, (nuint)(data.Length - sent), Native.SendNoSignal);
                if (result >= 0)
                {
                    sent += (int)result;
                    continue;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EAGAIN)
                {
                    _writable = false;
                }
                else if (errno != Errno.EINTR)
                {
                    throw SocketErrors.FromErrno(errno, "send");
                }
            }
        }

        return sent;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveWhenReadableAsync(Memory<byte> buffer)
    {
        while (true)
        {
            await WaitReadableAsync().ConfigureAwait(false);
            var received = TryReceive(buffer.Span);
            if (received >= 0)
            {
                return received;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendWhenWritableAsync(ReadOnlyMemory<byte> data)
    {
        while (data.Length > 0)
        {
            await WaitWritableAsync().ConfigureAwait(false);
            data = data[TrySend(data.Span)..];
        }
    }

    private ValueTask StartWait(Wait what)
    {
        _wait.Reset();
        _waitingFor = what;
        return new ValueTask(this, _wait.Version);
    }

    /// <summary>Completes the wait in progress; a connect that failed completes it with the reason.</summary>
    private void EndWait()
    {
        var what = _waitingFor;
        _waitingFor = Wait.None;
        if (what == Wait.Connected && _errorPending && ReadPendingError() is var error and not 0)
        {
            _wait.SetException(SocketErrors.FromErrno(error, "connect"));
        }
        else
        {
            _wait.SetResult(true);
        }
    }

    private ValueTask WaitWritableAsync()
    {
        ThrowIfClosed();
        EnsureRegistered();
        return _writable ? default : (_writeWaiter ??= new()).WaitAsync();
    }

    private void EnsureRegistered()
    {
        if (!_registered)
        {
            _token = _loop.Register(_descriptor, this);
            _registered = true;
        }
    }

    private unsafe int ReadPendingError()
    {
        int error;
        var length = sizeof(int);
        return Native.GetSockOpt(_descriptor, Native.SolSocket, Native.SoError, &error, &length) == 0 ? error : Marshal.GetLastPInvokeError();
    }

    private unsafe void SetOption(int level, int option, int value)
    {
        if (Native.SetSockOpt(_descriptor, level, option, &value, sizeof(int)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Close();
            throw SocketErrors.FromErrno(errno, "setsockopt");
        }
    }

    private unsafe IPEndPoint ReadLocalEndPoint()
    {
        ThrowIfClosed();
        var address = stackalloc byte[NativeSocketAddress.MaxLength];
        var length = NativeSocketAddress.MaxLength;
        if (Native.GetSockName(_descriptor, address, &length) != 0)
        {
            throw SocketErrors.FromErrno(Marshal.GetLastPInvokeError(), "getsockname");
        }

        return NativeSocketAddress.Read(new ReadOnlySpan<byte>(address, length));
    }

    private void ThrowIfClosed()
    {
        if (_descriptor < 0)
        {
            throw new ObjectDisposedException(nameof(EpollSocket));
        }
    }

    private enum Wait
    {
        None,
        Readable,
        Connected,
    }
}
