using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using Convey.Proxy.Interop;
using Convey.Proxy.Transport.Epoll;
using static Convey.Proxy.Interop.IoUringAbi;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Transport.IoUring;

/// <summary>
/// Accepts on one loop with a multishot accept: one submission keeps accepting, each connection a completion,
/// spread over the transport's loops in turn. A multishot accept that ends (an error such as running out of
/// descriptors, which the listener reports and waits out, or a full completion queue) is armed again at the next
/// <see cref="AcceptAsync"/>. Closing cancels it, then takes with <c>accept4</c> what the kernel already queued:
/// those clients finished their handshake and are served (and drained), not reset with the listening socket.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class IoUringAcceptor : ProxyAcceptor, IIoUringHandler
{
    private const byte AcceptOperation = 2;
    private readonly IoUringTransport _transport;
    private readonly IoUringLoop _loop;
    private readonly Socket _listening;
    private readonly int _descriptor;
    private readonly IPEndPoint? _local;
    private readonly Queue<int> _accepted = new();
    private readonly LoopWaiter _waiter = new();
    private readonly LoopWaiter _hop = new();
    private int _slot = -1;
    private bool _armed;
    private bool _closing;
    private bool _closed;
    private int _error;

    public IoUringAcceptor(IoUringTransport transport, IoUringLoop loop, Socket listening)
    {
        _transport = transport;
        _loop = loop;
        _listening = listening;

        // The ring waits for connections itself; a blocking socket makes it wait instead of failing with EAGAIN.
        _listening.Blocking = true;
        _descriptor = (int)listening.Handle;
        var local = (IPEndPoint)listening.LocalEndPoint!;

        // A wildcard listener's connections each have their own local address, read when asked for.
        _local = local.Address.Equals(IPAddress.Any) || local.Address.Equals(IPAddress.IPv6Any) ? null : local;
        _loop.Post(static a => ((IoUringAcceptor)a!).Start(), this);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<ProxySocket> AcceptAsync()
    {
        while (true)
        {
            if (!_loop.IsCurrent)
            {
                var hopped = _hop.WaitAsync();
                _loop.Post(static w => ((LoopWaiter)w!).Complete(), _hop);
                await hopped.ConfigureAwait(false);
                continue;
            }

            if (_accepted.TryDequeue(out var descriptor))
            {
                return new IoUringSocket(_transport.NextLoop(), descriptor, _local);
            }

            if (_error != 0)
            {
                var error = _error;
                _error = 0;
                throw SocketErrors.FromErrno(error, "accept");
            }

            ObjectDisposedException.ThrowIf(_closed, this);
            if (!_armed && !_closing && _slot >= 0)
            {
                Arm();
            }

            await _waiter.WaitAsync().ConfigureAwait(false);
        }
    }

    public override void Close() => _loop.Dispatch(static a => ((IoUringAcceptor)a!).BeginClose(), this);

    public void OnCompletion(byte operation, int result, uint flags)
    {
        if ((flags & CqeFMore) == 0)
        {
            _armed = false;
        }

        if (result >= 0)
        {
            _accepted.Enqueue(result);
        }
        else if (result != -Errno.ECANCELED && !_closing)
        {
            _error = -result;
        }

        if (!_armed)
        {
            if (_closing)
            {
                FinishClose();
            }
            else if (_error == 0)
            {
                Arm();
            }
        }

        _waiter.Complete();
    }

    private void Start()
    {
        if (!_closing)
        {
            _slot = _loop.Register(this);
            Arm();
        }
    }

    private void Arm()
    {
        _loop.Ring.Prepare(OpAccept, _descriptor, IoUringLoop.UserData(_slot, AcceptOperation), opFlags: SockCloseOnExec, ioPriority: AcceptMultishot);
        _armed = true;
    }

    private void BeginClose()
    {
        if (_closing)
        {
            return;
        }

        _closing = true;
        if (_armed)
        {
            _loop.Ring.Prepare(OpAsyncCancel, -1, IoUringLoop.Ignored, address: IoUringLoop.UserData(_slot, AcceptOperation), flags: SqeCqeSkipSuccess);
        }
        else
        {
            FinishClose();
            _waiter.Complete();
        }
    }

    private unsafe void FinishClose()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _listening.Blocking = false;
        while (true)
        {
            var descriptor = Native.Accept4(_descriptor, null, null, (int)SockCloseOnExec);
            if (descriptor < 0)
            {
                break;
            }

            _accepted.Enqueue(descriptor);
        }

        if (_slot >= 0)
        {
            _loop.Release(_slot);
            _slot = -1;
        }

        _listening.Dispose();
    }
}
