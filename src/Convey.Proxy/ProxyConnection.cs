using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Convey.Forwarding;
using Convey.Proxy.Inspection;
using Convey.Proxy.ProxyProtocol;
using Convey.Proxy.Relay;
using Convey.Proxy.Transport;
using Convey.Runtime;
using Microsoft.Extensions.Logging;

namespace Convey.Proxy;

/// <summary>
/// One proxied client connection: runs its frontend's inspectors when it has any (which may choose the pool, set the
/// client's address or reject), picks a server (retrying others after a connect failure), sends the PROXY header when
/// the pool asks for one and the bytes the inspectors read, then relays both directions until both have ended. Its sockets
/// are used only where the client socket dispatches to (its event loop); other threads (the timeout sweep, a
/// drain) hand their requests over with <see cref="ProxySocket.Dispatch"/>.
/// </summary>
internal sealed partial class ProxyConnection
{
    private readonly ProxyListener _listener;
    private readonly ProxySocket _client;
    private readonly FrontendBinding _binding;
    private readonly ILogger _logger;
    private ConnectionInspection? _inspection;
    private ProxySocket? _server;
    private ServerState? _serverState;
    private readonly long _started;
    private long _lastActivity;
    private ProxySocket? _connecting;
    private long _connectStarted;
    private int _closed;
    private int _directionsEnded;

    public ProxyConnection(ProxyListener listener, ProxySocket client, FrontendBinding binding)
    {
        _listener = listener;
        _client = client;
        _binding = binding;
        _logger = listener.Context.Logger;
        _started = listener.Context.Time.GetTimestamp();
        _lastActivity = _started;
    }

    /// <summary>Timestamp (of the engine's <see cref="TimeProvider"/>) of the last bytes relayed either way.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    public void Start() => _ = RunAsync();

    /// <summary>Closes both sides at once, with a reset (drain deadline reached, or a side was reset); from any thread.</summary>
    public void Abort() => _client.Dispatch(static c => ((ProxyConnection)c!).AbortHere(), this);

    /// <summary>
    /// Enforces the frontend's timeouts (called by the listener's sweep): ends the inspection of a connection whose
    /// inspectors have not decided within the connect timeout, gives up a connect attempt that took
    /// longer than the connect timeout, and closes a connection idle longer than the idle timeout. Timing
    /// connects here rather than with a timer per attempt keeps the connection path free of timer allocations.
    /// </summary>
    public void CheckTimeouts(long now, TimeSpan connectTimeout, TimeSpan idleTimeout)
    {
        var time = _listener.Context.Time;
        if (Volatile.Read(ref _inspection) is { IsDeciding: true })
        {
            if (time.GetElapsedTime(_started, now) >= connectTimeout)
            {
                _client.Dispatch(static c => ((ProxyConnection)c!)._inspection?.Expire(), this);
            }
        }
        else if (Volatile.Read(ref _connecting) is { } connecting)
        {
            var started = Volatile.Read(ref _connectStarted);
            if (time.GetElapsedTime(started, now) >= connectTimeout)
            {
                _client.Dispatch(static s => ((ProxyConnection)s!).GiveUpConnect(), this);
            }
        }
        else if (time.GetElapsedTime(LastActivity, now) >= idleTimeout)
        {
            _client.Dispatch(static c => ((ProxyConnection)c!).CloseIdle(), this);
        }
    }

    /// <summary>
    /// Notes that one direction reached its end; true for the first. The pump of the first passes the half-close
    /// on; the last needs not, as both sockets are closed next.
    /// </summary>
    internal bool OnDirectionEnded() => Interlocked.Increment(ref _directionsEnded) == 1;

    /// <summary>Counts bytes relayed and notes the activity for the idle timeout.</summary>
    internal void OnRelayed(bool fromClient, int count)
    {
        Volatile.Write(ref _lastActivity, _listener.Context.Time.GetTimestamp());
        var frontend = _listener.Frontend;
        if (fromClient)
        {
            frontend.AddBytesToServer(count);
            _serverState!.AddBytesToServer(count);
        }
        else
        {
            frontend.AddBytesToClient(count);
            _serverState!.AddBytesToClient(count);
        }
    }

    /// <summary>As <see cref="Abort"/>, where the sockets are used.</summary>
    internal void AbortHere()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _client.Reset();
        _connecting?.Close();
        _server?.Reset();
    }

    /// <summary>Closes both sides after the idle timeout.</summary>
    private void CloseIdle()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _client.Close();
        _connecting?.Close();
        _server?.Close();
    }

    /// <summary>Ends the connect attempt under way (the sweep found it past the connect timeout): the next server is tried.</summary>
    private void GiveUpConnect()
    {
        var time = _listener.Context.Time;
        if (_connecting is { } connecting && time.GetElapsedTime(_connectStarted) >= _listener.Frontend.Config.ConnectTimeout)
        {
            connecting.Close();
        }
    }

    /// <summary>The pool the connection goes to: the frontend's, or the one its inspectors chose.</summary>
    private BackendPool Pool => _inspection?.Pool ?? _binding.Pool;

    // A connection without inspectors must cost what it did before inspectors existed: the inspection lives in a field
    // and its own method, so this state machine holds no more than it did (awaiters of the types it awaited anyway).
    private async Task RunAsync()
    {
        try
        {
            if (_listener.Inspection is { } chain && !await InspectAsync(chain).ConfigureAwait(false))
            {
                return;
            }

            var client = _inspection?.ClientEndPoint ?? _client.RemoteEndPoint;
            var local = _inspection?.LocalEndPoint ?? _client.LocalEndPoint;
            if (!await ConnectAsync(FlowKey.FromEndPoints(client, local)).ConfigureAwait(false))
            {
                if (Volatile.Read(ref _closed) != 0)
                {
                    return;
                }

                _listener.Frontend.OnConnectionRefused();
                LogNoServer(_listener.Frontend.Name, Pool.Name, client);
                return;
            }

            if (Volatile.Read(ref _closed) != 0)
            {
                return;
            }

            var sendProxy = ProxySettings.SendProxy(Pool.Config);
            if (sendProxy != ProxyProtocolVersion.None)
            {
                await SendProxyHeaderAsync(sendProxy, client, local).ConfigureAwait(false);
            }

            if (_inspection is { Unconsumed.Length: > 0 })
            {
                await SendInspectedBytesAsync().ConfigureAwait(false);
            }

            var options = _listener.Context.Options;
            var upstream = _inspection?.PendingWait is { } pending
                ? RelayFromClientAfterAsync(pending, options)
                : RelayPump.RunAsync(this, _client, _server!, fromClient: true, options);
            await RelayPump.RunAsync(this, _server!, _client, fromClient: false, options).ConfigureAwait(false);
            await upstream.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One connection's failure must never reach the accept loop; it is logged and the connection closed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (Volatile.Read(ref _closed) == 0)
            {
                if (ex is SocketException socketError)
                {
                    // Expected on a busy system (out of descriptors, a reset): the reason, without a stack trace.
                    LogConnectionSocketError(_listener.Frontend.Name, socketError.SocketErrorCode);
                }
                else
                {
                    LogConnectionFailed(ex, _listener.Frontend.Name);
                }
            }

            AbortHere();
        }
        finally
        {
            if (_inspection is { } inspection)
            {
                Volatile.Write(ref _inspection, null);
                InspectionReader.Forget(inspection.PendingWait);
                inspection.Dispose();
            }

            Interlocked.Exchange(ref _closed, 1);
            _client.Close();
            _server?.Close();
            _serverState?.OnConnectionClosed();
            _listener.Context.Metrics.RecordConnectionDuration(_listener.Frontend, _listener.Context.Time.GetElapsedTime(_started));
            _listener.OnConnectionEnded(this);
        }
    }

    /// <summary>Runs the frontend's inspectors; false when they rejected the connection (counted and logged here).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> InspectAsync(InspectionChain chain)
    {
        var inspection = new ConnectionInspection(chain, _client, _listener.Frontend.Name, _client.RemoteEndPoint, _client.LocalEndPoint, _binding.Pool.Name);
        Volatile.Write(ref _inspection, inspection);
        var (rejectReason, failure) = await inspection.RunAsync().ConfigureAwait(false);
        if (rejectReason is null)
        {
            return true;
        }

        _listener.Frontend.OnConnectionRejected();
        if (failure is not null)
        {
            LogInspectorFailed(failure, _listener.Frontend.Name, rejectReason);
        }
        else
        {
            LogRejected(_listener.Frontend.Name, inspection.ClientEndPoint, rejectReason);
        }

        return false;
    }

    /// <summary>Sends the server the bytes the inspectors read and did not consume, before the relay takes over.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendInspectedBytesAsync()
    {
        var bytes = _inspection!.Unconsumed;
        await _server!.SendAsync(bytes).ConfigureAwait(false);
        OnRelayed(fromClient: true, bytes.Length);
    }

    /// <summary>
    /// The client-to-server relay of an inspected connection whose wait for the client's bytes was still under way when
    /// the inspection ended (its deadline passed): the socket has one wait at a time, so the relay's own comes after it.
    /// </summary>
    private async ValueTask RelayFromClientAfterAsync(Task wait, ProxyEngineOptions options)
    {
        try
        {
            await wait.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The relay's own wait or read meets the same end and handles it.
        }

        await RelayPump.RunAsync(this, _client, _server!, fromClient: true, options).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ConnectAsync(FlowKey flow)
    {
        var pool = Pool;
        var frontend = _listener.Frontend;
        var attempts = 1 + Math.Max(0, pool.Config.Retries);
        List<ServerState>? failed = null;
        for (var attempt = 0; attempt < attempts && Volatile.Read(ref _closed) == 0; attempt++)
        {
            var server = ServerPicker.Pick(pool, flow, failed);
            if (server is null)
            {
                return false;
            }

            if (attempt > 0)
            {
                frontend.OnRetry();
            }

            // Outside the try: no socket for us (out of descriptors) is our failure, not the server's.
            var socket = _client.CreateOutbound(server.Address.AddressFamily);
            try
            {
                Volatile.Write(ref _connectStarted, _listener.Context.Time.GetTimestamp());
                Volatile.Write(ref _connecting, socket);
                await socket.ConnectAsync(server.Address, frontend.Config.ConnectTimeout).ConfigureAwait(false);
                Volatile.Write(ref _connecting, null);
                server.OnConnectionOpened();
                _serverState = server;
                Volatile.Write(ref _server, socket);
                return true;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                Volatile.Write(ref _connecting, null);
                socket.Close();
                if (Volatile.Read(ref _closed) != 0)
                {
                    return false;
                }

                frontend.OnConnectFailure();
                pool.ReportConnectFailure(server);
                (failed ??= []).Add(server);
                LogConnectFailed(_listener.Frontend.Name, server.Address, ex is SocketException { SocketErrorCode: not SocketError.OperationAborted } se ? se.SocketErrorCode.ToString() : "timed out");
            }
        }

        return false;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendProxyHeaderAsync(ProxyProtocolVersion version, IPEndPoint client, IPEndPoint local)
    {
        var header = ArrayPool<byte>.Shared.Rent(ProxyProtocolHeader.MaxLength);
        try
        {
            var length = ProxyProtocolHeader.Write(version, client, local, header);
            await _server!.SendAsync(header.AsMemory(0, length)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(header);
        }
    }

    [LoggerMessage(EventId = ProxyLogEvents.ConnectFailure, EventName = nameof(ProxyLogEvents.ConnectFailure), Level = LogLevel.Debug, Message = "Frontend {Frontend}: connecting to {Server} failed ({Reason})")]
    private partial void LogConnectFailed(string frontend, IPEndPoint server, string reason);

    [LoggerMessage(EventId = ProxyLogEvents.NoServer, EventName = nameof(ProxyLogEvents.NoServer), Level = LogLevel.Warning, Message = "Frontend {Frontend}: no server of pool {Pool} could take the connection from {Client}")]
    private partial void LogNoServer(string frontend, string pool, IPEndPoint client);

    [LoggerMessage(EventId = ProxyLogEvents.ConnectionRejected, EventName = nameof(ProxyLogEvents.ConnectionRejected), Level = LogLevel.Debug, Message = "Frontend {Frontend}: connection from {Client} rejected: {Reason}")]
    private partial void LogRejected(string frontend, IPEndPoint client, string reason);

    [LoggerMessage(EventId = ProxyLogEvents.InspectorFailed, EventName = nameof(ProxyLogEvents.InspectorFailed), Level = LogLevel.Warning, Message = "Frontend {Frontend}: a connection inspector threw; the connection was rejected ({Reason})")]
    private partial void LogInspectorFailed(Exception exception, string frontend, string reason);

    [LoggerMessage(EventId = ProxyLogEvents.ConnectionSocketError, EventName = nameof(ProxyLogEvents.ConnectionSocketError), Level = LogLevel.Warning, Message = "Frontend {Frontend}: a connection failed ({Error})")]
    private partial void LogConnectionSocketError(string frontend, SocketError error);

    [LoggerMessage(EventId = ProxyLogEvents.ConnectionFailed, EventName = nameof(ProxyLogEvents.ConnectionFailed), Level = LogLevel.Warning, Message = "Frontend {Frontend}: a connection failed")]
    private partial void LogConnectionFailed(Exception exception, string frontend);
}
