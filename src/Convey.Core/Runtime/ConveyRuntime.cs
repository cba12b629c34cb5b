using System.Collections.Immutable;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Microsoft.Extensions.Options;

namespace Convey.Runtime;

/// <summary>
/// Holds the live frontends and pools and applies configuration snapshots to them: validate everything,
/// then diff and swap. A refused snapshot changes nothing. Reads of <see cref="Current"/> are lock-free.
/// </summary>
public sealed class ConveyRuntime
{
    private readonly object _applyLock = new();
    private readonly BackendSelectorRegistry _selectors;
    private readonly ConveyOptions _options;
    private RuntimeSnapshot _current = RuntimeSnapshot.Empty;

    /// <summary>Creates an empty runtime.</summary>
    public ConveyRuntime(BackendSelectorRegistry selectors, IOptions<ConveyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _selectors = selectors;
        _options = options.Value;
    }

    /// <summary>The live state as of the last applied snapshot.</summary>
    public RuntimeSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Validates <paramref name="config"/> and, when valid, makes it the live configuration.</summary>
    /// <returns>The new live state.</returns>
    /// <exception cref="ConfigException">The snapshot is invalid; the live state is unchanged.</exception>
    public RuntimeSnapshot Apply(ConveyConfig config)
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
            var modes = config.Frontends.ToDictionary(f => f.Name, f => f.Mode ?? _options.DefaultMode, StringComparer.Ordinal);

            var pools = ImmutableDictionary.CreateBuilder<string, BackendPool>(StringComparer.Ordinal);
            foreach (var poolConfig in config.Backends)
            {
                var policy = poolConfig.Balance ?? DefaultPolicy(poolConfig.Name, config, modes);
                if (previous.Pools.TryGetValue(poolConfig.Name, out var pool))
                {
                    pool.Apply(poolConfig, policy, pool.Policy == policy ? null : _selectors.Create(policy));
                }
                else
                {
                    pool = new BackendPool(poolConfig, policy, _selectors.Create(policy));
                }

                pools.Add(poolConfig.Name, pool);
            }

            foreach (var (name, pool) in previous.Pools)
            {
                if (!pools.ContainsKey(name))
                {
                    pool.Retire();
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

            foreach (var (name, frontend) in previous.Frontends)
            {
                if (!frontends.ContainsKey(name))
                {
                    frontend.MarkDraining();
                }
            }

            var snapshot = new RuntimeSnapshot(config, frontends.ToImmutable(), pools.ToImmutable());
            Volatile.Write(ref _current, snapshot);
            return snapshot;
        }
    }

    /// <summary>Forgets draining servers whose last flow has ended, in every live pool.</summary>
    public void RemoveDrainedServers()
    {
        foreach (var pool in Current.Pools.Values)
        {
            pool.RemoveDrainedServers();
        }
    }

    private static string DefaultPolicy(string pool, ConveyConfig config, Dictionary<string, ForwardingMode> modes)
    {
        var user = config.Frontends.FirstOrDefault(f => f.Backend == pool);
        return user is null || modes[user.Name] == ForwardingMode.Proxy ? BalancingPolicyNames.RoundRobin : BalancingPolicyNames.Maglev;
    }
}
