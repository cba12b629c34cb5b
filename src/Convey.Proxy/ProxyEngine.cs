using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Metrics;
using Convey.Proxy.Inspection;
using Convey.Proxy.ProxyProtocol;
using Convey.Proxy.Transport;
using Convey.Proxy.Udp;
using Convey.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Convey.Proxy;

/// <summary>
/// The engine of <c>proxy</c> frontends: one listening socket per frontend, and for
/// each client connection a connection to a server chosen by the frontend's pool, with bytes relayed both ways.
/// A reload opens listeners of new frontends, rebinds those whose address changed, and stops accepting on
/// removed ones while their connections finish (up to the frontend's drain timeout). A frontend that cannot
/// listen is reported on its <see cref="FrontendState"/> and in the <see cref="FrontendListenException"/> that
/// <see cref="ApplyAsync"/> throws after applying everything else, and is retried every
/// 5 seconds until it listens or a reload removes or changes it.
/// </summary>
public sealed partial class ProxyEngine : IForwardingEngine, IAsyncDisposable
{
    /// <summary>How often a frontend that could not listen tries again.</summary>
    internal static readonly TimeSpan ListenRetryInterval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly Dictionary<string, ProxyListener> _listeners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FrontendState> _unbound = new(StringComparer.Ordinal);
    private readonly List<Task> _drains = [];
    private readonly ProxyContext _context;
    private readonly UdpFrontends _udp;
    private readonly DescriptorBudget? _budget;
    private readonly ILogger<ProxyEngine> _logger;
    private readonly IConnectionInspectorFactory[] _inspectorFactories;
    private ImmutableDictionary<string, BackendPool> _pools = ImmutableDictionary<string, BackendPool>.Empty;
    private ITimer? _retry;
    private bool _stopped;

    /// <summary>Creates the engine; resolved from DI, with the connection inspectors the application registered.</summary>
    public ProxyEngine(
        IOptions<ProxyEngineOptions> options, TimeProvider time, ConveyMetrics metrics, ILoggerFactory loggerFactory, IEnumerable<IConnectionInspectorFactory> inspectorFactories)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(inspectorFactories);
        _inspectorFactories = [.. inspectorFactories];
        _logger = loggerFactory.CreateLogger<ProxyEngine>();
        var logger = loggerFactory.CreateLogger<ProxyListener>();
        _context = new ProxyContext(options.Value, TransportFactory.Create(options.Value, logger), time, metrics, logger);
        _udp = new UdpFrontends(_context);
        if (options.Value.MaxConnections > 0)
        {
            LogConnectionLimit(options.Value.MaxConnections);
        }
        else
        {
            _budget = DescriptorBudget.Read();
        }
    }

    /// <summary>The socket layer the engine runs on (for tests that need to hold its event loop).</summary>
    internal ITransport Transport => _context.Transport;

    /// <summary>The last snapshot this engine finished applying.</summary>
    internal RuntimeSnapshot? LastApplied { get; private set; }

    /// <summary>The mode this engine serves.</summary>
    internal const string Mode = "proxy";

    /// <inheritdoc />
    public IReadOnlyCollection<string> Modes { get; } = [Mode];

    /// <inheritdoc />
    public IReadOnlyCollection<string> FrontendKeys { get; } =
        [ProxySettings.ReusePortKey, ProxySettings.AcceptProxyKey, ProxySettings.SniKey, ProxySettings.NoClientHelloKey];

    /// <inheritdoc />
    public IReadOnlyCollection<string> PoolKeys { get; } = [ProxySettings.SendProxyKey];

    /// <inheritdoc />
    public IEnumerable<ConfigError> Validate(ConveyConfig config) => ProxySettings.Validate(config);

    /// <inheritdoc />
    /// <remarks>Proxy frontends serve TCP, and UDP on Linux.</remarks>
    public bool ServesProtocol(string mode, FrontendProtocol protocol) =>
        mode == Mode && (protocol == FrontendProtocol.Tcp || (protocol == FrontendProtocol.Udp && OperatingSystem.IsLinux()));

    /// <summary>The address a frontend listens on now (with the actual port when configured with port 0); null when it does not listen.</summary>
    public IPEndPoint? GetListenEndPoint(string frontend)
    {
        _applyLock.Wait();
        try
        {
            return _listeners.TryGetValue(frontend, out var listener) ? listener.LocalEndPoint : _udp.GetListenEndPoint(frontend);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <inheritdoc />
    /// <exception cref="FrontendListenException">Frontends that cannot listen; everything else was applied.</exception>
    /// <exception cref="ForwardingException">The descriptor limit leaves room for too few connections; nothing was applied.</exception>
    public async Task ApplyAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SizeConnectionLimit(snapshot);
            _pools = snapshot.Pools;
            foreach (var (name, listener) in _listeners.ToArray())
            {
                if (!snapshot.Frontends.TryGetValue(name, out var frontend) || !Serves(frontend) || frontend != listener.Frontend)
                {
                    _listeners.Remove(name);
                    StartDrain(listener, CancellationToken.None);
                }
            }

            await _udp.CloseRemovedAsync(snapshot, Mode).ConfigureAwait(false);
            _unbound.Clear();
            var failures = new List<FrontendListenFailure>();
            foreach (var frontend in snapshot.Frontends.Values)
            {
                if (UdpFrontends.Serves(frontend, Mode))
                {
                    if (ListenUdp(frontend) is { } udpFailure)
                    {
                        failures.Add(udpFailure);
                        _unbound.Add(frontend.Name, frontend);
                    }

                    continue;
                }

                if (!Serves(frontend))
                {
                    continue;
                }

                if (_listeners.TryGetValue(frontend.Name, out var current))
                {
                    if (current.ConfiguredEndPoint.Equals(frontend.Config.ListenEndPoint) && current.ReusePort == ProxySettings.ReusePort(frontend.Config))
                    {
                        current.OnSettingsChanged();
                        current.Inspection = InspectionFor(frontend);
                        continue;
                    }

                    LogRebinding(frontend.Name, current.ConfiguredEndPoint, frontend.Config.ListenEndPoint);
                }

                if (Listen(frontend, current) is { } failure)
                {
                    failures.Add(failure);
                    _unbound.Add(frontend.Name, frontend);
                }
            }

            ScheduleRetry();
            _drains.RemoveAll(t => t.IsCompleted);
            LastApplied = snapshot;
            if (failures.Count > 0)
            {
                throw new FrontendListenException(failures);
            }
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task[] drains;
        try
        {
            _stopped = true;
            _unbound.Clear();
            ScheduleRetry();
            foreach (var listener in _listeners.Values)
            {
                StartDrain(listener, cancellationToken);
            }

            _listeners.Clear();
            drains = [.. _drains, _udp.CloseAllAsync()];
            _drains.Clear();
        }
        finally
        {
            _applyLock.Release();
        }

        await Task.WhenAll(drains).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var abort = new CancellationTokenSource();
        await abort.CancelAsync().ConfigureAwait(false);
        await StopAsync(abort.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _context.Transport.Dispose();
        _applyLock.Dispose();
    }

    private static bool Serves(FrontendState frontend) =>
        frontend.Mode == Mode && !frontend.IsDraining && frontend.Config.Protocol == FrontendProtocol.Tcp;

    /// <summary>
    /// Sizes the engine-wide connection cap from the descriptor limit, beside one listener per proxy frontend;
    /// refuses a limit that leaves room for fewer than <see cref="DescriptorBudget.MinimumConnections"/>.
    /// </summary>
    private void SizeConnectionLimit(RuntimeSnapshot snapshot)
    {
        if (_budget is not { } budget)
        {
            return;
        }

        var listeners = snapshot.Frontends.Values.Count(f => Serves(f) || UdpFrontends.Serves(f, Mode));
        if (listeners == 0)
        {
            return;
        }

        var connections = budget.Connections(listeners);
        if (connections < DescriptorBudget.MinimumConnections)
        {
            throw new ForwardingException(budget.DescribeTooSmall(listeners));
        }

        if (connections == _context.Limit.Max)
        {
            return;
        }

        _context.Limit.Resize(connections);
        if (connections < DescriptorBudget.ComfortableConnections)
        {
            LogSmallConnectionLimit(connections, budget.SoftLimit);
        }
        else
        {
            LogConnectionLimit(connections);
        }
    }

    /// <summary>Opens the frontend's listener (freeing <paramref name="previous"/> once it does); the failure when it cannot.</summary>
    private FrontendListenFailure? Listen(FrontendState frontend, ProxyListener? previous)
    {
        ProxyListener listener;
        try
        {
            listener = ProxyListener.Start(frontend, _context);
        }
        catch (SocketException ex) when (previous is not null && ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // The new address overlaps the old one (e.g. 0.0.0.0 and 127.0.0.1 on one port): free it first.
            _listeners.Remove(frontend.Name);
            StartDrain(previous, CancellationToken.None);
            previous = null;
            try
            {
                listener = ProxyListener.Start(frontend, _context);
            }
            catch (SocketException again)
            {
                return NotListening(frontend, again);
            }
        }
        catch (SocketException ex)
        {
            // A frontend whose address changed keeps serving on the old one until the new one binds.
            return NotListening(frontend, ex);
        }

        if (previous is not null)
        {
            StartDrain(previous, CancellationToken.None);
        }

        listener.Inspection = InspectionFor(frontend);
        _listeners[frontend.Name] = listener;
        frontend.ReportListening(_context.Transport.Name);
        LogListening(frontend.Name, listener.LocalEndPoint, frontend.Pool.Name);
        return null;
    }

    /// <summary>
    /// The frontend's inspectors: the PROXY header first (its source is the client for all that follows), then SNI
    /// routing, then the application's; null when it has none, so its connections go straight to the relay.
    /// </summary>
    private InspectionChain? InspectionFor(FrontendState frontend)
    {
        var config = frontend.Config;
        var inspectors = ImmutableArray.CreateBuilder<IConnectionInspector>();
        if (ProxySettings.AcceptProxy(config))
        {
            inspectors.Add(ProxyHeaderInspector.Instance);
        }

        if (ProxySettings.Sni(config) is { } sni)
        {
            inspectors.Add(sni);
        }

        foreach (var factory in _inspectorFactories)
        {
            if (factory.Create(config) is { } inspector)
            {
                inspectors.Add(inspector);
            }
        }

        return inspectors.Count == 0 ? null : new InspectionChain(inspectors.ToImmutable(), _pools);
    }

    /// <summary>Opens (or keeps) a UDP frontend's socket; the failure when it cannot.</summary>
    private FrontendListenFailure? ListenUdp(FrontendState frontend)
    {
        var listening = _udp.GetListenEndPoint(frontend.Name) is not null;
        if (_udp.Listen(frontend) is { } error)
        {
            return NotListening(frontend, error);
        }

        if (!listening)
        {
            frontend.ReportListening("epoll");
            LogListening(frontend.Name, _udp.GetListenEndPoint(frontend.Name)!, frontend.Pool.Name);
        }

        return null;
    }

    private static FrontendListenFailure NotListening(FrontendState frontend, SocketException error)
    {
        var endPoint = frontend.Config.ListenEndPoint;
        var failure = new FrontendListenFailure { Frontend = frontend.Name, EndPoint = endPoint, Reason = ListenError.Describe(error, endPoint) };
        frontend.ReportNotListening(failure.Reason);
        return failure;
    }

    /// <summary>Keeps the retry timer running while a frontend is unbound, and stops it once none is.</summary>
    private void ScheduleRetry()
    {
        if (_unbound.Count == 0 || _stopped)
        {
            _retry?.Dispose();
            _retry = null;
            return;
        }

        _retry ??= _context.Time.CreateTimer(static s => _ = ((ProxyEngine)s!).RetryAsync(), this, ListenRetryInterval, ListenRetryInterval);
    }

    private async Task RetryAsync()
    {
        try
        {
            await _applyLock.WaitAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            foreach (var (name, frontend) in _unbound.ToArray())
            {
                if (_stopped)
                {
                    break;
                }

                var failure = UdpFrontends.Serves(frontend, Mode) ? ListenUdp(frontend) : Listen(frontend, _listeners.GetValueOrDefault(name));
                if (failure is not null)
                {
                    LogStillNotListening(name, failure.EndPoint, failure.Reason);
                }
                else
                {
                    _unbound.Remove(name);
                }
            }

            ScheduleRetry();
        }
        finally
        {
            _applyLock.Release();
        }
    }

    private void StartDrain(ProxyListener listener, CancellationToken cancellationToken)
    {
        LogDraining(listener.Frontend.Name, listener.LocalEndPoint, listener.ActiveConnections);
        _drains.Add(listener.DrainAsync(cancellationToken));
    }

    [LoggerMessage(EventId = ProxyLogEvents.ConnectionLimit, EventName = nameof(ProxyLogEvents.ConnectionLimit), Level = LogLevel.Information, Message = "Proxy engine holds up to {Max} connections at once (ProxyEngineOptions.MaxConnections, by default what the descriptor limit allows)")]
    private partial void LogConnectionLimit(int max);

    [LoggerMessage(EventId = ProxyLogEvents.ConnectionLimitSmall, EventName = nameof(ProxyLogEvents.ConnectionLimitSmall), Level = LogLevel.Warning, Message = "Proxy engine holds up to {Max} connections at once: the descriptor limit (RLIMIT_NOFILE {Limit}) leaves room for no more. Raise it (systemd: LimitNOFILE=, shell: ulimit -n) to serve more clients at once")]
    private partial void LogSmallConnectionLimit(int max, long limit);

    [LoggerMessage(EventId = ProxyLogEvents.FrontendListening, EventName = nameof(ProxyLogEvents.FrontendListening), Level = LogLevel.Information, Message = "Frontend {Frontend} listening on {EndPoint} (pool {Pool})")]
    private partial void LogListening(string frontend, IPEndPoint endPoint, string pool);

    [LoggerMessage(EventId = ProxyLogEvents.FrontendMoving, EventName = nameof(ProxyLogEvents.FrontendMoving), Level = LogLevel.Information, Message = "Frontend {Frontend} moves from {Old} to {New}")]
    private partial void LogRebinding(string frontend, IPEndPoint old, IPEndPoint @new);

    [LoggerMessage(EventId = ProxyLogEvents.FrontendDraining, EventName = nameof(ProxyLogEvents.FrontendDraining), Level = LogLevel.Information, Message = "Frontend {Frontend} on {EndPoint} stops accepting; {Connections} connection(s) drain")]
    private partial void LogDraining(string frontend, IPEndPoint endPoint, long connections);

    [LoggerMessage(EventId = ProxyLogEvents.FrontendStillNotListening, EventName = nameof(ProxyLogEvents.FrontendStillNotListening), Level = LogLevel.Debug, Message = "Frontend {Frontend} still cannot listen on {EndPoint}: {Reason}; retrying")]
    private partial void LogStillNotListening(string frontend, IPEndPoint endPoint, string reason);
}
