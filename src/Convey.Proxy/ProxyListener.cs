using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Convey.Forwarding;
using Convey.Proxy.Inspection;
using Convey.Proxy.Transport;
using Convey.Runtime;
using Microsoft.Extensions.Logging;

namespace Convey.Proxy;

/// <summary>
/// One frontend's listening socket: the accept loop, the set of its open connections, the idle sweep, and
/// the drain that ends it. A full frontend (max connections) accepts and closes at once, so clients learn
/// promptly instead of waiting in the kernel's queue.
/// </summary>
internal sealed partial class ProxyListener
{
    private static readonly TimeSpan LongestSweepPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ShortestSweepPeriod = TimeSpan.FromMilliseconds(10);
    private readonly ProxyAcceptor _acceptor;
    private readonly ProxyContext _context;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ProxyConnection, byte> _connections = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer _sweep;
    private Task _acceptLoop = Task.CompletedTask;
    private TimeSpan _sweepPeriod;
    private InspectionChain? _inspection;
    private long _active;
    private volatile bool _draining;

    private ProxyListener(FrontendState frontend, Socket socket, ProxyContext context)
    {
        Frontend = frontend;
        ConfiguredEndPoint = frontend.Config.ListenEndPoint;
        ReusePort = ProxySettings.ReusePort(frontend.Config);
        _context = context;
        _logger = context.Logger;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _acceptor = context.Transport.Listen(socket);
        _sweepPeriod = SweepPeriod(frontend.Config);
        _sweep = context.Time.CreateTimer(static s => ((ProxyListener)s!).CheckTimeouts(), this, _sweepPeriod, _sweepPeriod);
    }

    public FrontendState Frontend { get; }

    /// <summary>The address as configured (port 0 stays 0).</summary>
    public IPEndPoint ConfiguredEndPoint { get; }

    /// <summary>Whether the socket was opened with SO_REUSEPORT.</summary>
    public bool ReusePort { get; }

    /// <summary>The address actually bound.</summary>
    public IPEndPoint LocalEndPoint { get; }

    public long ActiveConnections => Volatile.Read(ref _active);

    internal ProxyContext Context => _context;

    /// <summary>The inspectors new connections go through before the relay (set at each reload); null: none.</summary>
    public InspectionChain? Inspection
    {
        get => Volatile.Read(ref _inspection);
        set => Volatile.Write(ref _inspection, value);
    }

    public static ProxyListener Start(FrontendState frontend, ProxyContext context)
    {
        // The accept loop and the timeout sweep outlive the reload that starts them, and every connection inherits
        // the accept loop's ExecutionContext: start them in none, so no AsyncLocal of that caller (a logging scope,
        // Activity.Current) rides along with every connection.
        if (ExecutionContext.IsFlowSuppressed())
        {
            return StartDetached(frontend, context);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return StartDetached(frontend, context);
        }
    }

    private static ProxyListener StartDetached(FrontendState frontend, ProxyContext context)
    {
        var socket = ListenSocket.Open(frontend.Config.ListenEndPoint, ProxySettings.ReusePort(frontend.Config), context.Options.ListenBacklog);
        var listener = new ProxyListener(frontend, socket, context);
        listener._acceptLoop = listener.AcceptLoopAsync();
        return listener;
    }

    /// <summary>Applies a reload that kept the address: timeouts may have changed.</summary>
    public void OnSettingsChanged()
    {
        var period = SweepPeriod(Frontend.Config);
        if (period != _sweepPeriod)
        {
            _sweepPeriod = period;
            _sweep.Change(period, period);
        }
    }

    /// <summary>
    /// Stops accepting, lets open connections finish for the frontend's drain timeout (or until
    /// <paramref name="cancellationToken"/> fires), then closes those still open.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        _acceptor.Close();
        await _acceptLoop.ConfigureAwait(false);
        if (Volatile.Read(ref _active) == 0)
        {
            _drained.TrySetResult();
        }

        try
        {
            await _drained.Task.WaitAsync(Frontend.Config.DrainTimeout, _context.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            LogDrainDeadline(Frontend.Name, Volatile.Read(ref _active));
            foreach (var connection in _connections.Keys)
            {
                connection.Abort();
            }

            await _drained.Task.ConfigureAwait(false);
        }
        finally
        {
            await _sweep.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal void OnConnectionEnded(ProxyConnection connection)
    {
        _connections.TryRemove(connection, out _);
        _context.Limit.Exit();
        Frontend.OnConnectionClosed();
        if (Interlocked.Decrement(ref _active) == 0 && _draining)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>A quarter of the shorter timeout, within 10 ms and 1 s: timeouts fire within 25% (at most 1 s) late.</summary>
    private static TimeSpan SweepPeriod(Configuration.FrontendConfig config)
    {
        var period = (config.ConnectTimeout < config.IdleTimeout ? config.ConnectTimeout : config.IdleTimeout) / 4;
        return period < ShortestSweepPeriod ? ShortestSweepPeriod : period > LongestSweepPeriod ? LongestSweepPeriod : period;
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            ProxySocket client;
            try
            {
                client = await _acceptor.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (_draining || ex.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Out of descriptors or a connection that died in the queue: keep serving the others. No stack
                // trace: formatting one loads an assembly, which needs the very descriptor that is missing.
                LogAcceptFailed(Frontend.Name, ex.SocketErrorCode);
                await Task.Delay(TimeSpan.FromMilliseconds(10), _context.Time).ConfigureAwait(false);
                continue;
            }

            Accept(client);
        }
    }

    private void Accept(ProxySocket client)
    {
        var binding = Frontend.Binding;
        var max = binding.Config.MaxConnections;
        if (max > 0 && Frontend.ActiveConnections >= max)
        {
            Frontend.OnConnectionRefused();
            client.Close();
            return;
        }

        if (!_context.Limit.TryEnter())
        {
            Frontend.OnConnectionRefused();
            client.Close();
            if (_context.Limit.TakeWarning())
            {
                LogEngineFull(Frontend.Name, _context.Limit.Max);
            }

            return;
        }

        Interlocked.Increment(ref _active);
        Frontend.OnConnectionOpened();
        var connection = new ProxyConnection(this, client, binding);
        _connections.TryAdd(connection, 0);
        client.Dispatch(static c => ((ProxyConnection)c!).Start(), connection);
    }

    private void CheckTimeouts()
    {
        var now = _context.Time.GetTimestamp();
        var config = Frontend.Config;
        foreach (var connection in _connections.Keys)
        {
            connection.CheckTimeouts(now, config.ConnectTimeout, config.IdleTimeout);
        }
    }

    [LoggerMessage(EventId = ProxyLogEvents.AcceptFailed, EventName = nameof(ProxyLogEvents.AcceptFailed), Level = LogLevel.Warning, Message = "Frontend {Frontend}: accept failed ({Error}); still accepting")]
    private partial void LogAcceptFailed(string frontend, SocketError error);

    [LoggerMessage(EventId = ProxyLogEvents.EngineFull, EventName = nameof(ProxyLogEvents.EngineFull), Level = LogLevel.Warning, Message = "Frontend {Frontend}: the proxy engine holds its maximum of {Max} connections and refuses new ones until some end. The maximum comes from ProxyEngineOptions.MaxConnections, by default from the descriptor limit: raise it (ulimit -n, systemd LimitNOFILE=) to allow more")]
    private partial void LogEngineFull(string frontend, int max);

    [LoggerMessage(EventId = ProxyLogEvents.DrainDeadline, EventName = nameof(ProxyLogEvents.DrainDeadline), Level = LogLevel.Warning, Message = "Frontend {Frontend}: drain deadline reached, closing {Connections} connection(s)")]
    private partial void LogDrainDeadline(string frontend, long connections);
}
