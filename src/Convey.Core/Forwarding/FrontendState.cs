using Convey.Configuration;
using Convey.Forwarding;

namespace Convey.Forwarding;

/// <summary>
/// The live state of one frontend: its settings, its resolved mode, the pool it feeds and its counters.
/// A reload that keeps the frontend's name keeps this object (counters survive); its pool and settings
/// are swapped atomically.
/// </summary>
public sealed class FrontendState
{
    private FrontendBinding _binding;
    private long _activeConnections;
    private long _totalConnections;
    private long _refusedConnections;
    private long _rejectedConnections;
    private long _bytesToServer;
    private long _bytesToClient;
    private long _connectFailures;
    private long _retries;
    private volatile bool _draining;
    private ListenState _listen = ListenState.Pending;

    internal FrontendState(FrontendConfig config, string mode, BackendPool pool)
    {
        _binding = new FrontendBinding(config, mode, pool);
    }

    /// <summary>The frontend's name.</summary>
    internal string Name => Binding.Config.Name;

    /// <summary>The frontend's current settings.</summary>
    public FrontendConfig Config => Binding.Config;

    /// <summary>The mode this frontend runs in (its own, or the host default).</summary>
    public string Mode => Binding.Mode;

    /// <summary>The pool that serves this frontend now.</summary>
    public BackendPool Pool => Binding.Pool;

    /// <summary>Settings, mode and pool read together, consistent with one another.</summary>
    internal FrontendBinding Binding => Volatile.Read(ref _binding);

    /// <summary>Whether the frontend was removed and only finishes its established flows.</summary>
    public bool IsDraining => _draining;

    /// <summary>Whether the frontend's engine is receiving its traffic now (its socket is bound, or its packet capture is set up).</summary>
    internal bool IsListening => Volatile.Read(ref _listen).Listening;

    /// <summary>Why the frontend is not listening (the last bind error); null while it listens or before its engine has tried.</summary>
    internal string? ListenError => Volatile.Read(ref _listen).Error;

    /// <summary>The I/O path its engine serves it on (for example <c>epoll</c>, <c>af_xdp</c>, <c>af_packet</c>); null when the engine names none.</summary>
    internal string? Transport => Volatile.Read(ref _listen).Transport;

    /// <summary>Client connections or flows open now.</summary>
    internal long ActiveConnections => Volatile.Read(ref _activeConnections);

    /// <summary>Client connections or flows accepted since start.</summary>
    internal long TotalConnections => Volatile.Read(ref _totalConnections);

    /// <summary>Client connections refused (connection limit reached, or no server available).</summary>
    internal long RefusedConnections => Volatile.Read(ref _refusedConnections);

    /// <summary>Client connections closed by a connection inspector (no valid PROXY header, no TLS ClientHello, an application's inspector).</summary>
    internal long RejectedConnections => Volatile.Read(ref _rejectedConnections);

    /// <summary>Bytes from clients toward servers.</summary>
    internal long BytesToServer => Volatile.Read(ref _bytesToServer);

    /// <summary>Bytes from servers back to clients.</summary>
    internal long BytesToClient => Volatile.Read(ref _bytesToClient);

    /// <summary>Connection attempts to servers that failed (refused, timed out, unreachable), for any client of this frontend.</summary>
    internal long ConnectFailures => Volatile.Read(ref _connectFailures);

    /// <summary>Connection attempts repeated on another server after a connect failure.</summary>
    internal long Retries => Volatile.Read(ref _retries);

    /// <summary>Datagrams forwarded and dropped, for a UDP frontend (a session counts as a connection).</summary>
    internal DatagramCounters Datagrams { get; } = new();

    /// <summary>Counts a client connection or flow accepted.</summary>
    internal void OnConnectionOpened()
    {
        Interlocked.Increment(ref _activeConnections);
        Interlocked.Increment(ref _totalConnections);
    }

    /// <summary>Counts a client connection or flow that ended.</summary>
    internal void OnConnectionClosed() => Interlocked.Decrement(ref _activeConnections);

    /// <summary>Counts a client connection refused.</summary>
    internal void OnConnectionRefused() => Interlocked.Increment(ref _refusedConnections);

    /// <summary>Counts a client connection closed by a connection inspector.</summary>
    internal void OnConnectionRejected() => Interlocked.Increment(ref _rejectedConnections);

    /// <summary>Adds to the bytes from clients toward servers.</summary>
    internal void AddBytesToServer(long count) => Interlocked.Add(ref _bytesToServer, count);

    /// <summary>Adds to the bytes from servers back to clients.</summary>
    internal void AddBytesToClient(long count) => Interlocked.Add(ref _bytesToClient, count);

    /// <summary>Counts a failed connection attempt to a server.</summary>
    internal void OnConnectFailure() => Interlocked.Increment(ref _connectFailures);

    /// <summary>Counts a connection attempt repeated on another server.</summary>
    internal void OnRetry() => Interlocked.Increment(ref _retries);

    /// <summary>Reported by the frontend's engine once it receives the frontend's traffic.</summary>
    public void ReportListening() => Volatile.Write(ref _listen, ListenState.Up);

    /// <summary>Reported by the frontend's engine once it receives the frontend's traffic, with the I/O path it serves it on.</summary>
    /// <param name="transport">
    /// The I/O path, as operators see it in <c>/stats</c> (<c>transport</c>): for example the proxy engine's <c>epoll</c>
    /// or the packet engine's <c>af_xdp</c> and <c>af_packet</c>.
    /// </param>
    public void ReportListening(string transport)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(transport);
        Volatile.Write(ref _listen, new ListenState(true, null, transport));
    }

    /// <summary>Reported by the frontend's engine when it cannot receive the frontend's traffic.</summary>
    /// <param name="reason">What went wrong, for operators: for example "address already in use".</param>
    public void ReportNotListening(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Volatile.Write(ref _listen, new ListenState(false, reason, null));
    }

    internal void Rebind(FrontendConfig config, string mode, BackendPool pool) =>
        Volatile.Write(ref _binding, new FrontendBinding(config, mode, pool));

    internal void MarkDraining() => _draining = true;

    private sealed record ListenState(bool Listening, string? Error, string? Transport)
    {
        public static readonly ListenState Pending = new(false, null, null);
        public static readonly ListenState Up = new(true, null, null);
    }
}
