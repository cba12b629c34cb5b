using System.Net;
using System.Net.Sockets;
using Convey.Forwarding;
using Convey.Metrics;
using Convey.Proxy.Transport;
using Convey.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Convey.Proxy;

/// <summary>
/// The engine of <see cref="ForwardingMode.Proxy"/> frontends: one listening socket per frontend, and for
/// each client connection a connection to a server chosen by the frontend's pool, with bytes relayed both ways.
/// A reload opens listeners of new frontends, rebinds those whose address changed, and stops accepting on
/// removed ones while their connections finish (up to the frontend's drain timeout).
/// </summary>
public sealed partial class ProxyEngine : IForwardingEngine, IAsyncDisposable
{
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly Dictionary<string, ProxyListener> _listeners = new(StringComparer.Ordinal);
    private readonly List<Task> _drains = [];
    private readonly ProxyContext _context;
    private readonly ILogger<ProxyEngine> _logger;

    /// <summary>Creates the engine; resolved from DI.</summary>
    public ProxyEngine(IOptions<ProxyEngineOptions> options, TimeProvider time, ConveyMetrics metrics, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger<ProxyEngine>();
        var logger = loggerFactory.CreateLogger<ProxyListener>();
        _context = new ProxyContext(options.Value, ProxyTransports.Create(options.Value, logger), time, metrics, logger);
        if (_context.Limit.Max != int.MaxValue)
        {
            LogConnectionLimit(_context.Limit.Max);
        }
    }

    /// <summary>The socket layer the engine runs on (for tests that need to hold its event loop).</summary>
    internal IProxyTransport Transport => _context.Transport;

    /// <summary>The last snapshot this engine finished applying.</summary>
    internal RuntimeSnapshot? LastApplied { get; private set; }

    /// <inheritdoc />
    public bool Handles(ForwardingMode mode) => mode == ForwardingMode.Proxy;

    /// <summary>The address a frontend listens on now (with the actual port when configured with port 0); null when it does not listen.</summary>
    public IPEndPoint? GetListenEndPoint(string frontend)
    {
        _applyLock.Wait();
        try
        {
            return _listeners.TryGetValue(frontend, out var listener) ? listener.LocalEndPoint : null;
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task ApplyAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var (name, listener) in _listeners.ToArray())
            {
                if (!snapshot.Frontends.TryGetValue(name, out var frontend) || !Handles(frontend.Mode) || frontend != listener.Frontend)
                {
                    _listeners.Remove(name);
                    StartDrain(listener, CancellationToken.None);
                }
            }

            foreach (var frontend in snapshot.Frontends.Values)
            {
                if (!Handles(frontend.Mode))
                {
                    continue;
                }

                if (_listeners.TryGetValue(frontend.Name, out var current))
                {
                    if (current.ConfiguredEndPoint.Equals(frontend.Config.ListenEndPoint))
                    {
                        current.OnSettingsChanged();
                        continue;
                    }

                    LogRebinding(frontend.Name, current.ConfiguredEndPoint, frontend.Config.ListenEndPoint);
                }

                Listen(frontend, current);
            }

            _drains.RemoveAll(t => t.IsCompleted);
            LastApplied = snapshot;
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
            foreach (var listener in _listeners.Values)
            {
                StartDrain(listener, cancellationToken);
            }

            _listeners.Clear();
            drains = [.. _drains];
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

    private void Listen(FrontendState frontend, ProxyListener? previous)
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
            if (!TryStart(frontend, out listener!))
            {
                return;
            }
        }
        catch (SocketException ex)
        {
            LogListenFailed(ex, frontend.Name, frontend.Config.ListenEndPoint, ex.SocketErrorCode);
            return;
        }

        if (previous is not null)
        {
            StartDrain(previous, CancellationToken.None);
        }

        _listeners[frontend.Name] = listener;
        LogListening(frontend.Name, listener.LocalEndPoint, frontend.Pool.Name);
    }

    private bool TryStart(FrontendState frontend, out ProxyListener? listener)
    {
        try
        {
            listener = ProxyListener.Start(frontend, _context);
            return true;
        }
        catch (SocketException ex)
        {
            LogListenFailed(ex, frontend.Name, frontend.Config.ListenEndPoint, ex.SocketErrorCode);
            listener = null;
            return false;
        }
    }

    private void StartDrain(ProxyListener listener, CancellationToken cancellationToken)
    {
        LogDraining(listener.Frontend.Name, listener.LocalEndPoint, listener.ActiveConnections);
        _drains.Add(listener.DrainAsync(cancellationToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Proxy engine holds up to {Max} connections at once (ProxyEngineOptions.MaxConnections, by default what the descriptor limit allows)")]
    private partial void LogConnectionLimit(int max);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frontend {Frontend} listening on {EndPoint} (pool {Pool})")]
    private partial void LogListening(string frontend, IPEndPoint endPoint, string pool);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frontend {Frontend} moves from {Old} to {New}")]
    private partial void LogRebinding(string frontend, IPEndPoint old, IPEndPoint @new);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frontend {Frontend} on {EndPoint} stops accepting; {Connections} connection(s) drain")]
    private partial void LogDraining(string frontend, IPEndPoint endPoint, long connections);

    [LoggerMessage(Level = LogLevel.Error, Message = "Frontend {Frontend} cannot listen on {EndPoint} ({Error}); it takes no connections until a reload fixes its address")]
    private partial void LogListenFailed(Exception exception, string frontend, IPEndPoint endPoint, SocketError error);
}
