using System.Collections.Immutable;
using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;

namespace Convey.Forwarding;

/// <summary>
/// The live state of one backend pool: its servers (including draining ones), and the selector that picks
/// among the available ones. Selection is lock-free; membership and health changes rebuild the selector.
/// </summary>
public sealed class BackendPool
{
    private readonly Lock _updateLock = new();
    private readonly PoolColdStart _coldStart = new();
    private BackendPoolConfig _config;
    // One reference wide, so reads and writes are atomic; writes happen under _updateLock.
    private ImmutableArray<ServerState> _servers;
    private IBackendSelector _selector;
    private string _policy;
    private ImmutableArray<string> _unresolved;

    internal BackendPool(BackendPoolConfig config, string policy, IBackendSelector selector, ImmutableArray<string> unresolved)
    {
        _config = config;
        _unresolved = unresolved;
        _policy = policy;
        _selector = selector;
        _servers = [.. config.Servers.Select(CreateServer)];
        RefreshSelection();
    }

    /// <summary>The pool's name.</summary>
    internal string Name => Config.Name;

    /// <summary>The pool's current settings, with each server given by host name replaced by one server per address it resolved to.</summary>
    public BackendPoolConfig Config => Volatile.Read(ref _config);

    /// <summary>The name of the balancing policy in use.</summary>
    internal string Policy => Volatile.Read(ref _policy);

    /// <summary>Every server of the pool, including removed ones still draining.</summary>
    public ImmutableArray<ServerState> Servers => _servers;

    /// <summary>Servers given by host name (<c>name:port</c>) that yield no server now: the name never resolved, or to no usable address.</summary>
    internal ImmutableArray<string> UnresolvedServers => _unresolved;

    /// <summary>Raised when a server comes up or goes down (including its first probe's verdict); arguments are the server and whether it is up.</summary>
    internal event Action<ServerState, bool>? ServerHealthChanged;

    /// <summary>Raised when an engine reports a failed connection to a server (passive health).</summary>
    internal event Action<ServerState>? ConnectFailureReported;

    /// <summary>Chooses a server for a new flow; null when none is available.</summary>
    public ServerState? Select(in FlowKey flow) => Volatile.Read(ref _selector).Select(flow);

    /// <summary>Finds a configured (not draining) server by address.</summary>
    internal ServerState? FindServer(IPEndPoint address)
    {
        foreach (var server in Servers)
        {
            if (!server.IsDraining && server.Address.Equals(address))
            {
                return server;
            }
        }

        return null;
    }

    /// <summary>
    /// Reports that connecting to a server failed, so passive health can act before the next probe. Returns at once:
    /// the pool's health monitor queues the report and applies it on its own task, never on the caller's thread.
    /// </summary>
    public void ReportConnectFailure(ServerState server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.OnConnectFailure();
        ConnectFailureReported?.Invoke(server);
    }

    /// <summary>
    /// Applies new settings: keeps servers whose address stays (health and counters too, and a draining server
    /// whose address comes back returns to service), adds new ones (pending until their first probe), marks
    /// removed ones draining (kept while they have flows), and swaps in <paramref name="selector"/> when the
    /// policy changed, filled before it is published.
    /// </summary>
    internal void Apply(BackendPoolConfig config, string policy, IBackendSelector? selector, ImmutableArray<string> unresolved)
    {
        lock (_updateLock)
        {
            var current = Servers;
            var byAddress = new Dictionary<EndPoint, ServerState>(current.Length);
            foreach (var server in current)
            {
                if (!byAddress.TryGetValue(server.Address, out var known) || known.IsDraining)
                {
                    byAddress[server.Address] = server;
                }
            }

            var kept = new HashSet<ServerState>(ReferenceEqualityComparer.Instance);
            var builder = ImmutableArray.CreateBuilder<ServerState>(config.Servers.Length);
            foreach (var serverConfig in config.Servers)
            {
                if (byAddress.TryGetValue(serverConfig.Address, out var server))
                {
                    server.Update(serverConfig);
                    server.Revive();
                    kept.Add(server);
                }
                else
                {
                    server = CreateServer(serverConfig);
                }

                builder.Add(server);
            }

            // Hand the new servers to selection before the removed ones stop taking flows, so a flow that
            // picks a server meanwhile always finds one (at worst a server being removed, which still serves it).
            var target = selector ?? Volatile.Read(ref _selector);
            AdmitPendingServers(builder);
            target.Update([.. builder.Where(s => s.IsAvailable)]);
            if (selector is not null)
            {
                Volatile.Write(ref _policy, policy);
                Volatile.Write(ref _selector, selector);
            }

            foreach (var server in current)
            {
                if (!kept.Contains(server))
                {
                    server.MarkDraining();
                    if (server.ActiveConnections > 0)
                    {
                        builder.Add(server);
                    }
                }
            }

            Volatile.Write(ref _config, config);
            _servers = builder.ToImmutable();
            _unresolved = unresolved;
            RefreshSelectionLocked();
        }
    }

    /// <summary>Marks every server draining: the pool was removed from the configuration.</summary>
    internal void Retire()
    {
        lock (_updateLock)
        {
            foreach (var server in Servers)
            {
                server.MarkDraining();
            }

            RefreshSelectionLocked();
        }
    }

    /// <summary>Forgets draining servers whose last flow has ended.</summary>
    internal void RemoveDrainedServers()
    {
        lock (_updateLock)
        {
            var servers = Servers;
            var remaining = servers.RemoveAll(s => s.IsDraining && s.ActiveConnections <= 0);
            if (remaining.Length != servers.Length)
            {
                _servers = remaining;
            }
        }
    }

    /// <summary>
    /// Rebuilds the selector's server set from current health, draining state and weights. A health change does not
    /// rebuild by itself: the health monitor calls this once per batch of changes, off the data plane.
    /// </summary>
    internal void RefreshSelection()
    {
        lock (_updateLock)
        {
            RefreshSelectionLocked();
        }
    }

    private void RefreshSelectionLocked()
    {
        var servers = Servers;
        AdmitPendingServers(servers);
        Volatile.Read(ref _selector).Update([.. servers.Where(s => s.IsAvailable)]);
    }

    /// <summary>
    /// Lets pending servers take flows while none of <paramref name="servers"/> is up and serving: a reload that
    /// replaces every server, or adds one to a pool whose servers are all down, then serves at once instead of
    /// refusing clients until the first probes return. A server whose probe fails goes down and out of selection.
    /// </summary>
    private static void AdmitPendingServers(IEnumerable<ServerState> servers)
    {
        var noServerUp = !servers.Any(s => s.IsHealthy && !s.IsDraining && s.Weight > 0);
        foreach (var server in servers)
        {
            server.ServeWhilePendingIf(noServerUp);
        }
    }

    private ServerState CreateServer(ServerConfig config)
    {
        var server = new ServerState(config, joinedAtColdStart: !_coldStart.IsOver);
        server.HealthChanged += OnServerHealthChanged;
        return server;
    }

    private void OnServerHealthChanged(ServerState server, bool healthy)
    {
        if (healthy)
        {
            // From now on a server new to the pool waits for its own first probe.
            _coldStart.End();
        }

        ServerHealthChanged?.Invoke(server, healthy);
    }
}
