using System.Collections.Immutable;
using System.Net.Sockets;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime.Resolution;
using Microsoft.Extensions.Options;

namespace Convey.Runtime;

/// <summary>
/// Holds the live frontends and pools and applies configuration snapshots to them: validate everything,
/// then diff and swap. A refused snapshot changes nothing. Reads of <see cref="Current"/> are lock-free.
/// </summary>
internal sealed class ConveyRuntime
{
    private readonly Lock _applyLock = new();
    private readonly BackendSelectorRegistry _selectors;
    private readonly ConveyOptions _options;
    private readonly Func<IEnumerable<IForwardingEngine>> _engines;
    private readonly Func<IEnumerable<IConfigSettingsOwner>> _owners;
    private RuntimeSnapshot _current = RuntimeSnapshot.Empty;
    private HostAddresses _hosts = HostAddresses.None;

    /// <summary>Creates an empty runtime that knows no engine: it checks Core's rules only, and every mode passes.</summary>
    public ConveyRuntime(BackendSelectorRegistry selectors, IOptions<ConveyOptions> options)
        : this(selectors, options, static () => [], static () => [])
    {
    }

    /// <summary>Creates an empty runtime whose validation also asks <paramref name="engines"/> and <paramref name="owners"/>.</summary>
    /// <param name="selectors">The registered balancing policies.</param>
    /// <param name="options">The host's default mode.</param>
    /// <param name="engines">
    /// The registered engines, asked for on each validation rather than taken here: the engines depend on the
    /// metrics, which depend on this runtime.
    /// </param>
    /// <param name="owners">The other owners of settings (the host's stats listener).</param>
    public ConveyRuntime(BackendSelectorRegistry selectors, IOptions<ConveyOptions> options, Func<IEnumerable<IForwardingEngine>> engines, Func<IEnumerable<IConfigSettingsOwner>> owners)
    {
        ArgumentNullException.ThrowIfNull(options);
        _selectors = selectors;
        _options = options.Value;
        _engines = engines;
        _owners = owners;
    }

    /// <summary>The live state as of the last applied snapshot.</summary>
    public RuntimeSnapshot Current => Volatile.Read(ref _current);

    /// <summary>The host name addresses the live state was built with.</summary>
    internal HostAddresses Hosts => Volatile.Read(ref _hosts);

    /// <summary>Validates <paramref name="config"/> and, when valid, makes it the live configuration.</summary>
    /// <returns>The new live state.</returns>
    /// <exception cref="ConfigException">The snapshot is invalid; the live state is unchanged.</exception>
    /// <remarks>
    /// Everything that can fail (validation, resolving policies, creating selectors) happens before the first
    /// change to live state, so a snapshot is applied as a whole or not at all. Servers given by host name get the
    /// addresses last looked up by the service (none when this runtime is used on its own).
    /// </remarks>
    public RuntimeSnapshot Apply(ConveyConfig config) => Apply(config, hosts: null);

    /// <summary>Applies <paramref name="config"/> with its host names resolved to <paramref name="hosts"/> (null: as last applied).</summary>
    internal RuntimeSnapshot Apply(ConveyConfig config, HostAddresses? hosts)
    {
        var errors = Validate(config);
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }

        lock (_applyLock)
        {
            var previous = Current;
            hosts ??= _hosts;
            var plans = PlanPools(config, previous, hosts);

            var pools = ImmutableDictionary.CreateBuilder<string, BackendPool>(StringComparer.Ordinal);
            foreach (var plan in plans)
            {
                var pool = plan.Existing;
                var resolved = plan.Config with { Servers = plan.Servers.Servers, HealthCheck = EffectiveHealthCheck(plan.Config, config) };
                if (pool is null)
                {
                    pool = new BackendPool(resolved, plan.Policy, plan.Selector!, plan.Servers.Unresolved);
                }
                else
                {
                    pool.Apply(resolved, plan.Policy, plan.Selector, plan.Servers.Unresolved);
                }

                pools.Add(plan.Config.Name, pool);
            }

            var retired = previous.RetiredPools.ToBuilder();
            foreach (var (name, pool) in previous.Pools)
            {
                if (!pools.ContainsKey(name))
                {
                    pool.Retire();
                    retired.Add(pool);
                }
            }

            var frontends = ImmutableDictionary.CreateBuilder<string, FrontendState>(StringComparer.Ordinal);
            foreach (var frontendConfig in config.Frontends)
            {
                var mode = frontendConfig.Mode ?? _options.DefaultMode;
                var pool = pools[frontendConfig.Pool];
                if (previous.Frontends.TryGetValue(frontendConfig.Name, out var frontend))
                {
                    frontend.Rebind(frontendConfig, mode, pool);
                }
                else
                {
                    frontend = new FrontendState(frontendConfig, mode, pool);
                }

                frontends.Add(frontendConfig.Name, frontend);
            }

            var draining = previous.DrainingFrontends.ToBuilder();
            foreach (var (name, frontend) in previous.Frontends)
            {
                if (!frontends.ContainsKey(name))
                {
                    frontend.MarkDraining();
                    draining.Add(frontend);
                }
            }

            var snapshot = WithoutDrained(new RuntimeSnapshot(config, frontends.ToImmutable(), pools.ToImmutable())
            {
                DrainingFrontends = draining.ToImmutable(),
                RetiredPools = retired.ToImmutable(),
            });
            Volatile.Write(ref _hosts, hosts);
            Volatile.Write(ref _current, snapshot);
            return snapshot;
        }
    }

    /// <summary>
    /// Every problem that makes <see cref="Apply(ConveyConfig)"/> refuse <paramref name="config"/>, without applying anything: the
    /// snapshot-wide rules (<see cref="ConfigValidator"/>), balancing policies (named or defaulted) registered, each
    /// frontend's mode (its own or the host's default) served by a registered engine, every setting claimed by an
    /// owner (<see cref="IConfigSettingsOwner"/>: the engines, the host), and each owner's own checks. A snapshot read
    /// from a file has each error placed at its line and column. With no engine registered (the control plane alone)
    /// modes and settings are not checked.
    /// </summary>
    /// <returns>The errors; empty when <paramref name="config"/> can be applied.</returns>
    public IReadOnlyList<ConfigError> Validate(ConveyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var original = config;
        config = WithEffectiveModes(config);
        var engines = _engines().ToList();
        var errors = new List<ConfigError>(ConfigValidator.Validate(config, _selectors.Names));
        foreach (var pool in config.Pools.Where(p => p.Balance is null))
        {
            var policy = DefaultPolicy(pool.Name, config, engines);
            if (!_selectors.Contains(policy))
            {
                errors.Add(new ConfigError(config.Source, 0, 0, $"backends.{pool.Name}.balance",
                    $"the default policy '{policy}' for this pool's frontends is not registered; set balance to one of: {string.Join(", ", _selectors.Names.Order(StringComparer.Ordinal))}."));
            }
        }

        if (engines.Count > 0)
        {
            ValidateModes(config, engines, errors);
            var owners = engines.Concat(_owners()).Distinct().ToList();
            errors.AddRange(SettingsClaims.Check(config, owners));
            var defaulted = original.Frontends.Where(f => f.Mode is null).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var owner in owners)
            {
                errors.AddRange(owner.Validate(config).Select(e => NameDefaultMode(e, defaulted)));
            }
        }

        return config.SourceMap is { } map ? [.. errors.Select(map.Place)] : errors;
    }

    /// <summary>
    /// Forgets what a reload removed once its last flow has ended: draining servers of every pool, draining
    /// frontends and retired pools. Until then they stay in <see cref="Current"/>, so stats show them draining.
    /// </summary>
    public void RemoveDrained()
    {
        lock (_applyLock)
        {
            var current = Current;
            foreach (var pool in current.Pools.Values)
            {
                pool.RemoveDrainedServers();
            }

            var next = WithoutDrained(current);
            if (!ReferenceEquals(next, current))
            {
                Volatile.Write(ref _current, next);
            }
        }
    }

    private static RuntimeSnapshot WithoutDrained(RuntimeSnapshot snapshot)
    {
        foreach (var pool in snapshot.RetiredPools)
        {
            pool.RemoveDrainedServers();
        }

        var frontends = snapshot.DrainingFrontends.RemoveAll(f => f.ActiveConnections <= 0);
        var pools = snapshot.RetiredPools.RemoveAll(p => p.Servers.IsEmpty);
        return frontends.Length == snapshot.DrainingFrontends.Length && pools.Length == snapshot.RetiredPools.Length
            ? snapshot
            : new RuntimeSnapshot(snapshot.Config, snapshot.Frontends, snapshot.Pools) { DrainingFrontends = frontends, RetiredPools = pools };
    }

    /// <summary>Resolves each pool's policy and creates the selectors it needs, without touching live state (policies were validated).</summary>
    private List<PoolPlan> PlanPools(ConveyConfig config, RuntimeSnapshot previous, HostAddresses hosts)
    {
        var engines = _engines().ToList();
        var plans = new List<PoolPlan>(config.Pools.Length);
        foreach (var poolConfig in config.Pools)
        {
            var policy = poolConfig.Balance ?? DefaultPolicy(poolConfig.Name, config, engines);

            previous.Pools.TryGetValue(poolConfig.Name, out var existing);
            var selector = existing is not null && existing.Policy == policy ? null : _selectors.Create(policy);
            // A name's addresses of a family an engine of the pool's frontends cannot reach would be servers that take no flow.
            var servers = ResolvedServers.Expand(poolConfig, hosts, UsableFamilies(poolConfig.Name, config, engines));
            plans.Add(new PoolPlan(poolConfig, servers, policy, existing, selector));
        }

        return plans;
    }

    /// <summary>Each frontend's mode is served by exactly one registered engine.</summary>
    private static void ValidateModes(ConveyConfig config, List<IForwardingEngine> engines, List<ConfigError> errors)
    {
        foreach (var frontend in config.Frontends)
        {
            var mode = frontend.Mode!;
            var servers = engines.Count(e => e.Modes.Contains(mode, StringComparer.Ordinal));
            if (servers == 1)
            {
                if (!engines.First(e => e.Modes.Contains(mode, StringComparer.Ordinal)).ServesProtocol(mode, frontend.Protocol))
                {
                    var protocol = frontend.Protocol.ToString().ToUpperInvariant();
                    var modes = engines.SelectMany(e => e.Modes.Where(m => e.ServesProtocol(m, frontend.Protocol))).Order(StringComparer.Ordinal).ToList();
                    errors.Add(new ConfigError(config.Source, 0, 0, $"frontends.{frontend.Name}.protocol", modes.Count == 0
                        ? $"no registered forwarding engine serves {protocol} frontends; remove protocol (TCP is the default)."
                        : $"mode '{mode}' does not serve {protocol}; set mode = \"{modes[0]}\" ({protocol} frontends run in mode {string.Join(" or ", modes)}), or remove protocol."));
                }

                continue;
            }

            var known = string.Join(", ", engines.SelectMany(e => e.Modes).Distinct().Order(StringComparer.Ordinal));
            errors.Add(new ConfigError(config.Source, 0, 0, $"frontends.{frontend.Name}.mode", servers == 0
                ? $"no registered forwarding engine serves the mode '{mode}'; use one of: {known} (or register an engine that serves it)."
                : $"{servers} registered forwarding engines claim the mode '{mode}'; register only one of them."));
        }
    }

    /// <summary>
    /// An owner's error about a frontend that sets no mode says so: the operator reads that the mode came from the
    /// host (its <c>--passthrough</c> or <c>--dsr</c>, or the application's <see cref="ConveyOptions.DefaultMode"/>).
    /// </summary>
    private ConfigError NameDefaultMode(ConfigError error, HashSet<string> defaulted)
    {
        var parts = error.KeyPath.Split('.');
        return parts.Length >= 2 && parts[0] == "frontends" && defaulted.Contains(parts[1])
            ? new ConfigError(error.Source, error.Line, error.Column, error.KeyPath,
                $"{error.Message} (frontend '{parts[1]}' sets no mode, so it runs in the host's default mode '{_options.DefaultMode}', from --passthrough or --dsr.)")
            : error;
    }

    /// <summary>The configuration with every frontend's effective mode: its own, or the host's default.</summary>
    private ConveyConfig WithEffectiveModes(ConveyConfig config) =>
        config.Frontends.All(f => f.Mode is not null)
            ? config
            : config with { Frontends = [.. config.Frontends.Select(f => f.Mode is null ? f with { Mode = _options.DefaultMode } : f)] };

    /// <summary>
    /// The policy of a pool that names none: the first preference of an engine serving one of its frontends
    /// (the packet engine prefers Maglev), else round-robin.
    /// </summary>
    private string DefaultPolicy(string pool, ConveyConfig config, List<IForwardingEngine> engines) =>
        FrontendModes(pool, config)
            .SelectMany(mode => engines.Where(e => e.Modes.Contains(mode, StringComparer.Ordinal)).Select(e => e.DefaultPolicy(mode)))
            .FirstOrDefault(policy => policy is not null)
        ?? BalancingPolicyNames.RoundRobin;

    /// <summary>
    /// The address families every frontend of the pool can send flows to: IPv4 only behind an engine that serves no IPv6
    /// server, the frontend's own family behind one that keeps the family (the packet engine).
    /// </summary>
    private IReadOnlySet<AddressFamily> UsableFamilies(string pool, ConveyConfig config, List<IForwardingEngine> engines)
    {
        var families = new HashSet<AddressFamily> { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 };
        foreach (var frontend in config.Frontends.Where(f => f.Pool == pool))
        {
            var mode = frontend.Mode ?? _options.DefaultMode;
            foreach (var engine in engines.Where(e => e.Modes.Contains(mode, StringComparer.Ordinal)))
            {
                if (!engine.ServesIPv6(mode))
                {
                    families.Remove(AddressFamily.InterNetworkV6);
                }

                if (engine.KeepsAddressFamily(mode))
                {
                    var address = frontend.ListenEndPoint.Address;
                    families.IntersectWith([address.IsIPv4MappedToIPv6 ? AddressFamily.InterNetwork : address.AddressFamily]);
                }
            }
        }

        return families;
    }

    /// <summary>
    /// The pool's health check with its kind decided: as configured, else no active probe when every frontend of the
    /// pool is UDP (a UDP server has no TCP port to connect to), else a TCP connect.
    /// </summary>
    private static HealthCheckConfig EffectiveHealthCheck(BackendPoolConfig pool, ConveyConfig config)
    {
        if (pool.HealthCheck.Kind is not null)
        {
            return pool.HealthCheck;
        }

        var frontends = config.Frontends.Where(f => f.Pool == pool.Name).ToList();
        var udpOnly = frontends.Count > 0 && frontends.All(f => f.Protocol == FrontendProtocol.Udp);
        return pool.HealthCheck with { Kind = udpOnly ? HealthCheckKind.None : HealthCheckKind.Tcp };
    }

    private IEnumerable<string> FrontendModes(string pool, ConveyConfig config) =>
        config.Frontends.Where(f => f.Pool == pool).Select(f => f.Mode ?? _options.DefaultMode).Distinct().Order(StringComparer.Ordinal);

    private sealed record PoolPlan(BackendPoolConfig Config, ResolvedServers Servers, string Policy, BackendPool? Existing, IBackendSelector? Selector);
}
