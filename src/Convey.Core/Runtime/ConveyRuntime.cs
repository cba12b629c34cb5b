using System.Collections.Immutable;
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
public sealed class ConveyRuntime
{
    private readonly Lock _applyLock = new();
    private readonly BackendSelectorRegistry _selectors;
    private readonly ConveyOptions _options;
    private readonly Func<IEnumerable<IForwardingEngine>> _engines;
    private RuntimeSnapshot _current = RuntimeSnapshot.Empty;
    private HostAddresses _hosts = HostAddresses.None;

    /// <summary>Creates an empty runtime that checks no engine's settings (no engine is known to it).</summary>
    public ConveyRuntime(BackendSelectorRegistry selectors, IOptions<ConveyOptions> options)
        : this(selectors, options, static () => [])
    {
    }

    /// <summary>Creates an empty runtime whose validation also asks <paramref name="engines"/>.</summary>
    /// <param name="selectors">The registered balancing policies.</param>
    /// <param name="options">The host's default mode.</param>
    /// <param name="engines">
    /// The registered engines, asked for on each validation rather than taken here: the engines depend on the
    /// metrics, which depend on this runtime.
    /// </param>
    internal ConveyRuntime(BackendSelectorRegistry selectors, IOptions<ConveyOptions> options, Func<IEnumerable<IForwardingEngine>> engines)
    {
        ArgumentNullException.ThrowIfNull(options);
        _selectors = selectors;
        _options = options.Value;
        _engines = engines;
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
                var resolved = plan.Config with { Servers = plan.Servers.Servers };
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
                var mode = ModeOf(frontendConfig);
                var pool = pools[frontendConfig.Backend];
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
    /// frontend's mode (its own or the host's default) handled by a registered engine, and each engine's own checks
    /// of the frontends it handles (<see cref="IForwardingEngine.Validate"/>). A snapshot read from a file has each
    /// error placed at its line and column. With no engine registered (the control plane alone) engines are not asked.
    /// </summary>
    /// <returns>The errors; empty when <paramref name="config"/> can be applied.</returns>
    public IReadOnlyList<ConfigError> Validate(ConveyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<ConfigError>(ConfigValidator.Validate(config, _selectors.Names));
        foreach (var pool in config.Backends.Where(p => p.Balance is null))
        {
            var policy = DefaultPolicy(pool.Name, config);
            if (!_selectors.Contains(policy))
            {
                errors.Add(new ConfigError(config.Source, 0, 0, $"backends.{pool.Name}.balance",
                    $"the default policy '{policy}' for this pool's frontends is not registered; set balance to one of: {string.Join(", ", _selectors.Names.Order(StringComparer.Ordinal))}."));
            }
        }

        ValidateEngines(config, errors);
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
            : snapshot with { DrainingFrontends = frontends, RetiredPools = pools };
    }

    /// <summary>Resolves each pool's policy and creates the selectors it needs, without touching live state (policies were validated).</summary>
    private List<PoolPlan> PlanPools(ConveyConfig config, RuntimeSnapshot previous, HostAddresses hosts)
    {
        var plans = new List<PoolPlan>(config.Backends.Length);
        foreach (var poolConfig in config.Backends)
        {
            var packetMode = ServesPacketFrontends(poolConfig.Name, config);
            var policy = poolConfig.Balance ?? (packetMode ? BalancingPolicyNames.Maglev : BalancingPolicyNames.RoundRobin);

            previous.Pools.TryGetValue(poolConfig.Name, out var existing);
            var selector = existing is not null && existing.Policy == policy ? null : _selectors.Create(policy);
            // The packet engine forwards IPv4 only, so a name's IPv6 addresses would be servers that take no flow.
            var servers = ResolvedServers.Expand(poolConfig, hosts, ipv4Only: packetMode);
            plans.Add(new PoolPlan(poolConfig, servers, policy, existing, selector));
        }

        return plans;
    }

    /// <summary>A frontend's mode is handled by a registered engine, and every engine that handles it accepts its settings.</summary>
    private void ValidateEngines(ConveyConfig config, List<ConfigError> errors)
    {
        var engines = _engines().ToList();
        if (engines.Count == 0)
        {
            return;
        }

        foreach (var frontend in config.Frontends)
        {
            var mode = ModeOf(frontend);
            var handlers = engines.Where(e => e.Handles(mode)).ToList();
            if (handlers.Count == 0)
            {
                var how = frontend.Mode is null ? "the host's default mode" : "its mode";
                errors.Add(new ConfigError(config.Source, 0, 0, $"frontends.{frontend.Name}.mode",
                    $"no registered forwarding engine handles {how} '{ModeName(mode)}'; register one that does (AddConvey() adds the proxy, passthrough and DSR engines) or choose another mode."));
                continue;
            }

            foreach (var engine in handlers)
            {
                errors.AddRange(engine.Validate(frontend, mode, config));
            }
        }
    }

    private ForwardingMode ModeOf(FrontendConfig frontend) => frontend.Mode ?? _options.DefaultMode;

    private static string ModeName(ForwardingMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>Round-robin when only proxy frontends use the pool; Maglev as soon as a packet-mode frontend does.</summary>
    private string DefaultPolicy(string pool, ConveyConfig config) =>
        ServesPacketFrontends(pool, config) ? BalancingPolicyNames.Maglev : BalancingPolicyNames.RoundRobin;

    /// <summary>
    /// Whether a passthrough or DSR frontend uses the pool. Its default policy is then Maglev rather than round-robin,
    /// since packet-mode flows must stick without shared state.
    /// </summary>
    private bool ServesPacketFrontends(string pool, ConveyConfig config) =>
        config.Frontends.Any(f => f.Backend == pool && ModeOf(f) != ForwardingMode.Proxy);

    private sealed record PoolPlan(BackendPoolConfig Config, ResolvedServers Servers, string Policy, BackendPool? Existing, IBackendSelector? Selector);
}
