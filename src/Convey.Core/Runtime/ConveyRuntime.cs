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
    private RuntimeSnapshot _current = RuntimeSnapshot.Empty;
    private HostAddresses _hosts = HostAddresses.None;

    /// <summary>Creates an empty runtime.</summary>
    public ConveyRuntime(BackendSelectorRegistry selectors, IOptions<ConveyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _selectors = selectors;
        _options = options.Value;
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
        ArgumentNullException.ThrowIfNull(config);
        var errors = ConfigValidator.Validate(config, _selectors.Names);
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }

        lock (_applyLock)
        {
            var previous = Current;
            hosts ??= _hosts;
            var modes = config.Frontends.ToDictionary(f => f.Name, f => f.Mode ?? _options.DefaultMode, StringComparer.Ordinal);
            var plans = PlanPools(config, previous, modes, hosts);

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
                var mode = modes[frontendConfig.Name];
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

    /// <summary>Resolves each pool's policy and creates the selectors it needs, without touching live state.</summary>
    private List<PoolPlan> PlanPools(ConveyConfig config, RuntimeSnapshot previous, Dictionary<string, ForwardingMode> modes, HostAddresses hosts)
    {
        var errors = new List<ConfigError>();
        var plans = new List<PoolPlan>(config.Backends.Length);
        foreach (var poolConfig in config.Backends)
        {
            var packetMode = ServesPacketFrontends(poolConfig.Name, config, modes);
            var policy = poolConfig.Balance ?? (packetMode ? BalancingPolicyNames.Maglev : BalancingPolicyNames.RoundRobin);
            if (!_selectors.Contains(policy))
            {
                errors.Add(new ConfigError(config.Source, 0, 0, $"backends.{poolConfig.Name}.balance",
                    $"the default policy '{policy}' for this pool's frontends is not registered; set balance to one of: {string.Join(", ", _selectors.Names.Order(StringComparer.Ordinal))}."));
                continue;
            }

            previous.Pools.TryGetValue(poolConfig.Name, out var existing);
            var selector = existing is not null && existing.Policy == policy ? null : _selectors.Create(policy);
            // The packet engine forwards IPv4 only, so a name's IPv6 addresses would be servers that take no flow.
            var servers = ResolvedServers.Expand(poolConfig, hosts, ipv4Only: packetMode);
            plans.Add(new PoolPlan(poolConfig, servers, policy, existing, selector));
        }

        return errors.Count > 0 ? throw new ConfigException(errors) : plans;
    }

    /// <summary>
    /// Whether a passthrough or DSR frontend uses the pool. Its default policy is then Maglev rather than round-robin,
    /// since packet-mode flows must stick without shared state.
    /// </summary>
    private static bool ServesPacketFrontends(string pool, ConveyConfig config, Dictionary<string, ForwardingMode> modes) =>
        config.Frontends.Any(f => f.Backend == pool && modes[f.Name] != ForwardingMode.Proxy);

    private sealed record PoolPlan(BackendPoolConfig Config, ResolvedServers Servers, string Policy, BackendPool? Existing, IBackendSelector? Selector);
}
