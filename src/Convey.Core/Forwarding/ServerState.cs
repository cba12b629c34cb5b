using System.Net;
using Convey.Configuration;

namespace Convey.Forwarding;

/// <summary>
/// The live state of one server in one pool: its settings, health and counters. A reload that keeps
/// the server's address keeps this object, so health and counters survive.
/// All members are safe to use from any thread.
/// </summary>
public sealed class ServerState
{
    private readonly bool _joinedAtColdStart;
    private volatile bool _poolHasNoServerUp;
    private ServerConfig _config;
    private int _health;
    private volatile bool _draining;
    private long _activeConnections;
    private long _totalConnections;
    private long _bytesToServer;
    private long _bytesToClient;
    private long _connectFailures;

    /// <summary>Creates the state of a server outside any pool, for custom selectors and their tests: it starts <see cref="ServerHealth.Up"/>.</summary>
    /// <param name="config">The server; its address must be an IP endpoint (a host name is resolved into servers first).</param>
    internal ServerState(ServerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        Address = config.Address as IPEndPoint
            ?? throw new ArgumentException($"A server's state needs an IP address, not {config.Address}; resolve host names into servers first.", nameof(config));
        _health = (int)ServerHealth.Up;
    }

    /// <summary>Creates the state of a server new to a pool: <see cref="ServerHealth.Pending"/> until its first probe.</summary>
    /// <param name="config">The server's settings (an IP endpoint).</param>
    /// <param name="joinedAtColdStart">
    /// Whether the server joined its pool at the pool's cold start: it takes flows until its first probe decides.
    /// </param>
    internal ServerState(ServerConfig config, bool joinedAtColdStart)
        : this(config)
    {
        _joinedAtColdStart = joinedAtColdStart;
        _health = (int)ServerHealth.Pending;
    }

    /// <summary>The server's current settings.</summary>
    public ServerConfig Config => Volatile.Read(ref _config);

    /// <summary>The server's name.</summary>
    public string Name => Config.Name;

    /// <summary>The server's address: its identity within the pool.</summary>
    public IPEndPoint Address { get; }

    /// <summary>The server's weight.</summary>
    public int Weight => Config.Weight;

    /// <summary>What health checks know of the server: pending (not probed yet), up or down.</summary>
    internal ServerHealth Health => (ServerHealth)Volatile.Read(ref _health);

    /// <summary>Whether health checks consider the server up (a pending server is not, yet).</summary>
    internal bool IsHealthy => Health == ServerHealth.Up;

    /// <summary>Whether the server is new to its pool and waits for its first probe.</summary>
    internal bool IsPending => Health == ServerHealth.Pending;

    /// <summary>Whether the server was removed by a reload and only finishes its established flows.</summary>
    internal bool IsDraining => _draining;

    /// <summary>
    /// Whether the server may take new flows at all: in service (up, or pending since its pool's cold start or while
    /// no server of its pool is up), not draining, weight above 0.
    /// </summary>
    public bool IsAvailable => InService && !_draining && Config.Weight > 0;

    /// <summary>Whether the server may take one more proxied connection now (available and below its own limit).</summary>
    internal bool CanAccept
    {
        get
        {
            var config = Config;
            return InService && !_draining && config.Weight > 0 &&
                   (config.MaxConnections == 0 || Volatile.Read(ref _activeConnections) < config.MaxConnections);
        }
    }

    /// <summary>Connections or flows open to the server now.</summary>
    public long ActiveConnections => Volatile.Read(ref _activeConnections);

    /// <summary>Connections or flows opened to the server since it was added.</summary>
    internal long TotalConnections => Volatile.Read(ref _totalConnections);

    /// <summary>Bytes sent to the server.</summary>
    internal long BytesToServer => Volatile.Read(ref _bytesToServer);

    /// <summary>Bytes received from the server.</summary>
    internal long BytesToClient => Volatile.Read(ref _bytesToClient);

    /// <summary>Connection attempts to the server that failed.</summary>
    internal long ConnectFailures => Volatile.Read(ref _connectFailures);

    /// <summary>Up, or pending (its own first probe has not decided yet) since the pool's cold start or while no server of the pool is up.</summary>
    private bool InService => Health switch
    {
        ServerHealth.Up => true,
        ServerHealth.Pending => _joinedAtColdStart || _poolHasNoServerUp,
        _ => false,
    };

    /// <summary>Raised after <see cref="Health"/> changed to up or down; the argument is whether it is up.</summary>
    internal event Action<ServerState, bool>? HealthChanged;

    /// <summary>Counts a connection or flow opened to the server.</summary>
    internal void OnConnectionOpened()
    {
        Interlocked.Increment(ref _activeConnections);
        Interlocked.Increment(ref _totalConnections);
    }

    /// <summary>Counts a connection or flow to the server that ended.</summary>
    internal void OnConnectionClosed() => Interlocked.Decrement(ref _activeConnections);

    /// <summary>Adds to the bytes sent to the server.</summary>
    internal void AddBytesToServer(long count) => Interlocked.Add(ref _bytesToServer, count);

    /// <summary>Adds to the bytes received from the server.</summary>
    internal void AddBytesToClient(long count) => Interlocked.Add(ref _bytesToClient, count);

    /// <summary>Counts a failed connection attempt (the pool's passive health also hears of it).</summary>
    internal void OnConnectFailure() => Interlocked.Increment(ref _connectFailures);

    /// <summary>Sets the server up or down; returns whether that changed its health (only one of concurrent callers sees the change).</summary>
    internal bool SetHealthy(bool healthy)
    {
        var value = (int)(healthy ? ServerHealth.Up : ServerHealth.Down);
        if (Interlocked.Exchange(ref _health, value) == value)
        {
            return false;
        }

        HealthChanged?.Invoke(this, healthy);
        return true;
    }

    internal void Update(ServerConfig config) => Volatile.Write(ref _config, config);

    internal void MarkDraining() => _draining = true;

    /// <summary>Tells a pending server whether its pool has no server up, in which case it takes flows before its first probe.</summary>
    internal void ServeWhilePendingIf(bool poolHasNoServerUp) => _poolHasNoServerUp = poolHasNoServerUp;

    /// <summary>Takes a draining server back into service: a reload re-added its address before its flows ended.</summary>
    internal void Revive() => _draining = false;
}
