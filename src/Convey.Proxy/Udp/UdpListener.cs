using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Convey.Forwarding;
using Convey.Proxy.Interop;
using Convey.Proxy.Transport.Epoll;
using Microsoft.Extensions.Logging;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Udp;

/// <summary>
/// One UDP frontend: its socket, its sessions (one per client address and port, each with a socket connected to its
/// server) and an event loop of its own that moves their datagrams in batches (<c>recvmmsg</c>/<c>sendmmsg</c>).
/// The first datagram of a new client opens a session on the server the pool's policy picks for it (so
/// <c>maglev_source</c> sends a client address to the same server every time); later datagrams follow the session;
/// the server's replies leave from the address the client sent to. A session ends after <c>idle_timeout</c> without a
/// datagram either way, when its server turns out unreachable (an ICMP error) or is marked down, or when the frontend
/// closes. New clients beyond the cap (the frontend's <c>max_connections</c>, the engine's descriptor-based limit)
/// have their datagrams dropped and counted until sessions end.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class UdpListener : IEpollHandler
{
    /// <summary>Batches one readiness event handles before it lets the loop's other descriptors have their turn.</summary>
    private const int BatchesPerTurn = 8;
    private static readonly TimeSpan LongestSweepPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ShortestSweepPeriod = TimeSpan.FromMilliseconds(10);
    private readonly ProxyContext _context;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly int _descriptor;
    private readonly UdpPeer _boundAddress;
    private readonly EpollLoop _loop;
    private readonly DatagramBatch _batch = new();
    private readonly Dictionary<UdpSessionKey, UdpSession> _sessions = [];
    private readonly List<UdpSession> _expired = [];
    private readonly ITimer _sweep;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TimeSpan _sweepPeriod;
    private ulong _token;
    private bool _registered;
    private bool _closing;

    private UdpListener(FrontendState frontend, Socket socket, ProxyContext context)
    {
        Frontend = frontend;
        ConfiguredEndPoint = frontend.Config.ListenEndPoint;
        ReusePort = ProxySettings.ReusePort(frontend.Config);
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _context = context;
        _logger = context.Logger;
        _socket = socket;
        _descriptor = (int)socket.Handle;
        _boundAddress = UdpPeer.FromEndPoint(LocalEndPoint);
        _loop = new EpollLoop($"convey-udp-{frontend.Name}", context.Logger);
        _loop.Post(static s => ((UdpListener)s!).Register(), this);
        _sweepPeriod = SweepPeriod(frontend.Config.IdleTimeout);
        _sweep = context.Time.CreateTimer(static s => ((UdpListener)s!).ScheduleSweep(), this, _sweepPeriod, _sweepPeriod);
    }

    public FrontendState Frontend { get; }

    /// <summary>The address as configured.</summary>
    public IPEndPoint ConfiguredEndPoint { get; }

    /// <summary>Whether the socket was opened with SO_REUSEPORT.</summary>
    public bool ReusePort { get; }

    /// <summary>The address actually bound.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Opens the frontend's socket and starts serving it; a <see cref="SocketException"/> when it cannot bind.</summary>
    public static UdpListener Start(FrontendState frontend, ProxyContext context)
    {
        var socket = UdpSocket.Open(frontend.Config.ListenEndPoint, ProxySettings.ReusePort(frontend.Config));
        try
        {
            // The loop serves every client of the frontend: it carries no caller's ExecutionContext along.
            using (ExecutionContext.IsFlowSuppressed() ? default(AsyncFlowControl?) : ExecutionContext.SuppressFlow())
            {
                return new UdpListener(frontend, socket, context);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Applies a reload that kept the address: the idle timeout may have changed.</summary>
    public void OnSettingsChanged()
    {
        var period = SweepPeriod(Frontend.Config.IdleTimeout);
        if (period != _sweepPeriod)
        {
            _sweepPeriod = period;
            _sweep.Change(period, period);
        }
    }

    /// <summary>Stops receiving, ends every session and frees the socket; returns once the event loop has stopped.</summary>
    public async Task CloseAsync()
    {
        LogClosing(Frontend.Name, LocalEndPoint, Frontend.ActiveConnections);
        await _sweep.DisposeAsync().ConfigureAwait(false);
        _loop.Post(static s => ((UdpListener)s!).CloseOnLoop(), this);
        await _closed.Task.ConfigureAwait(false);
        _loop.Dispose();
        _batch.Dispose();
        _socket.Dispose();
    }

    public void OnEvents(uint events) => ReceiveFromClients();

    /// <summary>Forwards a session's server replies to its client, from the address the client sent to.</summary>
    internal unsafe void OnServerReadable(UdpSession session)
    {
        var frontend = Frontend;
        for (var turn = 0; turn < BatchesPerTurn && !session.Closed; turn++)
        {
            _batch.PrepareReceive(withAddresses: false);
            var count = Native.RecvMmsg(session.Descriptor, _batch.Headers, DatagramBatch.Capacity, Native.MessageDontWait, null);
            if (count < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is Errno.ECONNREFUSED or Errno.EHOSTUNREACH or Errno.ENETUNREACH)
                {
                    // An ICMP error for a datagram we sent: nothing listens there, or the host is gone.
                    frontend.Datagrams.AddDropped(DatagramDropReason.ServerUnreachable, 1);
                    ServerUnreachable(session, errno);
                }

                return;
            }

            long bytes = 0;
            for (var i = 0; i < count; i++)
            {
                bytes += _batch.Length(i);
                _batch.PrepareSendTo(i, session.Client, session.Local);
            }

            session.LastActive = _context.Time.GetTimestamp();
            var sent = SendAll(_descriptor, count, out var errnoSend);
            frontend.Datagrams.AddToClient(sent);
            frontend.AddBytesToClient(bytes);
            session.Server.AddBytesToClient(bytes);
            if (sent < count)
            {
                frontend.Datagrams.AddDropped(DatagramDropReason.SendFailed, count - sent);
                LogSendFailed(frontend.Name, "client", errnoSend);
            }

            if (count < DatagramBatch.Capacity)
            {
                return;
            }
        }

        // More may be queued, and an edge-triggered descriptor reports no new edge for it: come back after the others.
        _loop.Post(static s => { var session = (UdpSession)s!; session.OnEvents(0); }, session);
    }

    private void Register()
    {
        _token = _loop.Register(_descriptor, this);
        _registered = true;

        // Datagrams that came before the registration raised no edge the loop saw.
        ReceiveFromClients();
    }

    private unsafe void ReceiveFromClients()
    {
        for (var turn = 0; turn < BatchesPerTurn && !_closing; turn++)
        {
            _batch.PrepareReceive(withAddresses: true);
            var count = Native.RecvMmsg(_descriptor, _batch.Headers, DatagramBatch.Capacity, Native.MessageDontWait, null);
            if (count < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EAGAIN && errno != Errno.EINTR)
                {
                    LogReceiveFailed(Frontend.Name, errno);
                }

                if (errno != Errno.EINTR)
                {
                    return;
                }

                continue;
            }

            ForwardToServers(count);
            if (count < DatagramBatch.Capacity)
            {
                return;
            }
        }

        if (!_closing)
        {
            _loop.Post(static s => ((UdpListener)s!).ReceiveFromClients(), this);
        }
    }

    /// <summary>Sends each received datagram on its client's session, consecutive datagrams of one session in one call.</summary>
    private void ForwardToServers(int count)
    {
        var frontend = Frontend;
        var now = _context.Time.GetTimestamp();
        var start = 0;
        while (start < count)
        {
            var client = UdpPeer.FromName(_batch.Name(start));
            var end = start + 1;
            while (end < count && UdpPeer.FromName(_batch.Name(end)) is var next && next.IsSet && next.Key == client.Key)
            {
                end++;
            }

            if (!client.IsSet)
            {
                start = end;
                continue;
            }

            var session = SessionFor(client, start, now, out var refused);
            if (session is null)
            {
                frontend.Datagrams.AddDropped(refused, end - start);
                start = end;
                continue;
            }

            long bytes = 0;
            for (var i = start; i < end; i++)
            {
                bytes += _batch.Length(i);
                _batch.PrepareSendConnected(i);
            }

            session.LastActive = now;
            var sent = SendAll(session.Descriptor, start, end - start, out var errno);
            frontend.Datagrams.AddToServer(sent);
            frontend.AddBytesToServer(bytes);
            session.Server.AddBytesToServer(bytes);
            if (sent < end - start)
            {
                if (errno is Errno.ECONNREFUSED or Errno.EHOSTUNREACH or Errno.ENETUNREACH)
                {
                    frontend.Datagrams.AddDropped(DatagramDropReason.ServerUnreachable, end - start - sent);
                    ServerUnreachable(session, errno);
                }
                else
                {
                    frontend.Datagrams.AddDropped(DatagramDropReason.SendFailed, end - start - sent);
                    LogSendFailed(frontend.Name, "server", errno);
                }
            }

            start = end;
        }
    }

    /// <summary>The client's session, opened now for a new client; null with the reason when none can be.</summary>
    private UdpSession? SessionFor(UdpPeer client, int index, long now, out DatagramDropReason refused)
    {
        refused = DatagramDropReason.SessionLimit;
        if (_sessions.TryGetValue(client.Key, out var session))
        {
            return session;
        }

        var frontend = Frontend;
        var binding = frontend.Binding;
        var max = binding.Config.MaxConnections;
        if ((max > 0 && frontend.ActiveConnections >= max) || !_context.Limit.TryEnter())
        {
            frontend.OnConnectionRefused();
            if (_context.Limit.TakeWarning())
            {
                LogSessionLimit(frontend.Name, max > 0 && frontend.ActiveConnections >= max ? max : _context.Limit.Max);
            }

            return null;
        }

        var local = _batch.LocalAddress(index, _boundAddress);
        var flow = new FlowKey(client.Address, client.Port, local.Address, _boundAddress.Port);
        var server = ServerPicker.Pick(binding.Pool, flow, failed: null);
        if (server is null)
        {
            _context.Limit.Exit();
            refused = DatagramDropReason.NoServer;
            frontend.OnConnectionRefused();
            LogNoServer(frontend.Name, binding.Pool.Name);
            return null;
        }

        var descriptor = Connect(server, out var errno);
        if (descriptor < 0)
        {
            _context.Limit.Exit();
            var outOfDescriptors = errno is Errno.EMFILE or Errno.ENFILE or Errno.ENOBUFS or Errno.ENOMEM;
            if (!outOfDescriptors)
            {
                refused = DatagramDropReason.ServerUnreachable;
                frontend.OnConnectFailure();
                binding.Pool.ReportConnectFailure(server);
            }

            LogSessionFailed(frontend.Name, server.Address, errno);
            return null;
        }

        session = new UdpSession(this, client, local, server, descriptor, now);
        try
        {
            session.Token = _loop.Register(descriptor, session);
        }
        catch (SocketException)
        {
            Native.Close(descriptor);
            _context.Limit.Exit();
            return null;
        }

        _sessions.Add(client.Key, session);
        frontend.OnConnectionOpened();
        server.OnConnectionOpened();
        return session;
    }

    /// <summary>A socket connected to the server (connecting a UDP socket only fixes its peer); -1 and the errno when it fails.</summary>
    private static unsafe int Connect(ServerState server, out int errno)
    {
        var family = server.Address.AddressFamily == AddressFamily.InterNetwork ? 2 : 10;
        var descriptor = Native.Socket(family, Native.SocketDatagramNonBlockCloseOnExec, 0);
        if (descriptor < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return -1;
        }

        var name = stackalloc byte[NativeSocketAddress.MaxLength];
        var length = NativeSocketAddress.Write(server.Address, new Span<byte>(name, NativeSocketAddress.MaxLength));
        if (Native.Connect(descriptor, name, length) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            Native.Close(descriptor);
            return -1;
        }

        errno = 0;
        return descriptor;
    }

    private int SendAll(int descriptor, int count, out int errno) => SendAll(descriptor, 0, count, out errno);

    /// <summary>Sends messages <paramref name="start"/> on of the batch; how many went, with the errno that stopped the rest.</summary>
    private unsafe int SendAll(int descriptor, int start, int count, out int errno)
    {
        errno = 0;
        var sent = 0;
        while (sent < count)
        {
            var result = Native.SendMmsg(descriptor, _batch.Headers + start + sent, (uint)(count - sent), Native.MessageDontWait | Native.SendNoSignal);
            if (result < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                if (errno is not (Errno.ECONNREFUSED or Errno.EHOSTUNREACH or Errno.ENETUNREACH) && count - sent > 1)
                {
                    // One datagram the kernel refuses (too big for the path, say) must not take the rest of the batch along.
                    sent++;
                    continue;
                }

                return sent;
            }

            sent += result;
        }

        return sent;
    }

    private void ServerUnreachable(UdpSession session, int errno)
    {
        var frontend = Frontend;
        frontend.OnConnectFailure();
        frontend.Binding.Pool.ReportConnectFailure(session.Server);
        LogServerUnreachable(frontend.Name, session.Server.Address, errno);
        End(session);
    }

    private void ScheduleSweep() => _loop.Post(static s => ((UdpListener)s!).Sweep(), this);

    /// <summary>Ends sessions idle for the idle timeout, and those whose server was marked down (their next datagram picks another).</summary>
    private void Sweep()
    {
        if (_closing)
        {
            return;
        }

        var now = _context.Time.GetTimestamp();
        var idle = Frontend.Config.IdleTimeout;
        foreach (var session in _sessions.Values)
        {
            if (_context.Time.GetElapsedTime(session.LastActive, now) >= idle || session.Server.Health == ServerHealth.Down)
            {
                _expired.Add(session);
            }
        }

        foreach (var session in _expired)
        {
            End(session);
        }

        _expired.Clear();
    }

    private void End(UdpSession session)
    {
        if (session.Closed)
        {
            return;
        }

        session.Closed = true;
        _sessions.Remove(session.Client.Key);
        _loop.Release(session.Token);
        Native.Close(session.Descriptor);
        _context.Limit.Exit();
        Frontend.OnConnectionClosed();
        session.Server.OnConnectionClosed();
        _context.Metrics.RecordConnectionDuration(Frontend, _context.Time.GetElapsedTime(session.Started));
    }

    private void CloseOnLoop()
    {
        _closing = true;
        foreach (var session in _sessions.Values.ToList())
        {
            End(session);
        }

        if (_registered)
        {
            _loop.Release(_token);
        }

        _closed.TrySetResult();
    }

    /// <summary>A quarter of the idle timeout, within 10 ms and 1 s: sessions end within 25% (at most 1 s) late.</summary>
    private static TimeSpan SweepPeriod(TimeSpan idleTimeout)
    {
        var period = idleTimeout / 4;
        return period < ShortestSweepPeriod ? ShortestSweepPeriod : period > LongestSweepPeriod ? LongestSweepPeriod : period;
    }

    [LoggerMessage(EventId = ProxyLogEvents.UdpFrontendClosing, EventName = nameof(ProxyLogEvents.UdpFrontendClosing), Level = LogLevel.Information, Message = "UDP frontend {Frontend} on {EndPoint} closes; its {Sessions} session(s) end")]
    private partial void LogClosing(string frontend, IPEndPoint endPoint, long sessions);

    [LoggerMessage(EventId = ProxyLogEvents.UdpReceiveFailed, EventName = nameof(ProxyLogEvents.UdpReceiveFailed), Level = LogLevel.Warning, Message = "UDP frontend {Frontend}: receiving failed (errno {Errno}); still receiving")]
    private partial void LogReceiveFailed(string frontend, int errno);

    [LoggerMessage(EventId = ProxyLogEvents.UdpSessionLimit, EventName = nameof(ProxyLogEvents.UdpSessionLimit), Level = LogLevel.Warning, Message = "UDP frontend {Frontend} holds its maximum of {Max} sessions: datagrams of new clients are dropped (counted as session_limit) until sessions end. Raise max_connections, shorten idle_timeout, or raise the descriptor limit")]
    private partial void LogSessionLimit(string frontend, int max);

    [LoggerMessage(EventId = ProxyLogEvents.UdpNoServer, EventName = nameof(ProxyLogEvents.UdpNoServer), Level = LogLevel.Debug, Message = "UDP frontend {Frontend}: no server of pool {Pool} is available; a new client's datagram is dropped")]
    private partial void LogNoServer(string frontend, string pool);

    [LoggerMessage(EventId = ProxyLogEvents.UdpSessionFailed, EventName = nameof(ProxyLogEvents.UdpSessionFailed), Level = LogLevel.Debug, Message = "UDP frontend {Frontend}: no session socket to {Server} (errno {Errno}); the datagram is dropped")]
    private partial void LogSessionFailed(string frontend, IPEndPoint server, int errno);

    [LoggerMessage(EventId = ProxyLogEvents.UdpServerUnreachable, EventName = nameof(ProxyLogEvents.UdpServerUnreachable), Level = LogLevel.Debug, Message = "UDP frontend {Frontend}: server {Server} is unreachable (ICMP, errno {Errno}); the session ends and the pool's health hears of it")]
    private partial void LogServerUnreachable(string frontend, IPEndPoint server, int errno);

    [LoggerMessage(EventId = ProxyLogEvents.UdpSendFailed, EventName = nameof(ProxyLogEvents.UdpSendFailed), Level = LogLevel.Debug, Message = "UDP frontend {Frontend}: sending to the {Peer} failed (errno {Errno}); datagrams dropped (send_failed)")]
    private partial void LogSendFailed(string frontend, string peer, int errno);
}
