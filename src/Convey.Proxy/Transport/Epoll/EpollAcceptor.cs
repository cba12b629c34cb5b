using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Convey.Proxy.Interop;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Transport.Epoll;

/// <summary>
/// Accepts on one loop with <c>accept4</c> (non-blocking, close-on-exec in the same call) and hands each
/// connection to the next loop of the transport. After a run of accepts it yields to the loop's other events,
/// so a burst of new connections cannot starve the established ones (HAProxy's <c>maxaccept</c>). Closing
/// first accepts what the kernel already queued: those clients finished their handshake and count as
/// established, so they are served (and drained) instead of being reset with the listening socket.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class EpollAcceptor : ProxyAcceptor, IEpollHandler
{
    private const int AcceptsBeforeYield = 16;
    private readonly EpollTransport _transport;
    private readonly EpollLoop _loop;
    private readonly Socket _listening;
    private readonly int _descriptor;
    private readonly IPEndPoint? _local;
    private readonly LoopWaiter _waiter = new();
    private readonly LoopWaiter _yield = new();
    private ulong _token;
    private bool _registered;
    private bool _readable = true;
    private bool _closing;
    private bool _closed;
    private bool _accepting;
    private int _acceptedInARow;

    public EpollAcceptor(EpollTransport transport, EpollLoop loop, Socket listening)
    {
        _transport = transport;
        _loop = loop;
        _listening = listening;
        _listening.Blocking = false;
        _descriptor = (int)listening.Handle;
        var local = (IPEndPoint)listening.LocalEndPoint!;

        // A wildcard listener's connections each have their own local address, read when asked for.
        _local = local.Address.Equals(IPAddress.Any) || local.Address.Equals(IPAddress.IPv6Any) ? null : local;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<ProxySocket> AcceptAsync()
    {
        while (true)
        {
            if (!_loop.IsCurrent || (_acceptedInARow >= AcceptsBeforeYield && !_closing))
            {
                _acceptedInARow = 0;
                await YieldToLoopAsync().ConfigureAwait(false);
                continue;
            }

            ObjectDisposedException.ThrowIf(_closed, this);
            _accepting = true;
            try
            {
                if (!_registered)
                {
                    _token = _loop.Register(_descriptor, this);
                    _registered = true;
                }

                if ((_readable || _closing) && TryAccept() is { } accepted)
                {
                    _acceptedInARow++;
                    return accepted;
                }

                if (_closing)
                {
                    CloseNow();
                    throw new ObjectDisposedException(nameof(EpollAcceptor));
                }

                _acceptedInARow = 0;
                await _waiter.WaitAsync().ConfigureAwait(false);
            }
            catch (SocketException) when (_closing)
            {
                CloseNow();
                throw new ObjectDisposedException(nameof(EpollAcceptor));
            }
            finally
            {
                _accepting = false;
            }
        }
    }

    public override void Close() => _loop.Dispatch(static a => ((EpollAcceptor)a!).BeginClose(), this);

    public void OnEvents(uint events)
    {
        _readable = true;
        _waiter.Complete();
    }

    private unsafe EpollSocket? TryAccept()
    {
        var address = stackalloc byte[NativeSocketAddress.MaxLength];
        while (true)
        {
            var length = NativeSocketAddress.MaxLength;
            var descriptor = Native.Accept4(_descriptor, address, &length, Native.AcceptNonBlockCloseOnExec);
            if (descriptor >= 0)
            {
                var remote = NativeSocketAddress.Read(new ReadOnlySpan<byte>(address, length));
                return new EpollSocket(_transport.NextLoop(), descriptor, remote, _local);
            }

            var errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case Errno.EAGAIN:
                    _readable = false;
                    return null;
                case Errno.EINTR or Errno.ECONNABORTED:
                    // Interrupted, or a connection that died in the queue: take the next one.
                    continue;
                default:
                    throw SocketErrors.FromErrno(errno, "accept4");
            }
        }
    }

    private ValueTask YieldToLoopAsync()
    {
        var yielded = _yield.WaitAsync();
        _loop.Post(static w => ((LoopWaiter)w!).Complete(), _yield);
        return yielded;
    }

    /// <summary>Lets a running accept loop take the queued connections and close; closes at once when none runs.</summary>
    private void BeginClose()
    {
        _closing = true;
        if (_waiter.IsWaiting)
        {
            _waiter.Complete();
        }
        else if (!_accepting && !_yield.IsWaiting)
        {
            CloseNow();
        }
    }

    private void CloseNow()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        if (_registered)
        {
            _loop.Release(_token);
        }

        _listening.Dispose();
    }
}
