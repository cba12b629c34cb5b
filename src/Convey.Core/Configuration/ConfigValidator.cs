using Convey.Balancing;

namespace Convey.Configuration;

/// <summary>
/// Checks the rules that hold across a whole snapshot, whatever its source: names unique, every frontend's
/// pool present, listen addresses distinct, pools non-empty, values in range, policies known.
/// The TOML reader reports the same problems with line and column; this catches them in programmatic configs.
/// </summary>
public static class ConfigValidator
{
    /// <summary>Returns every problem in <paramref name="config"/>; empty when it can be applied.</summary>
    /// <param name="config">The snapshot to check.</param>
    /// <param name="knownPolicies">Names of the registered balancing policies.</param>
    public static IReadOnlyList<ConfigError> Validate(ConveyConfig config, IReadOnlyCollection<string> knownPolicies)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(knownPolicies);
        var errors = new List<ConfigError>();
        void Add(string key, string message) => errors.Add(new ConfigError(config.Source, 0, 0, key, message));

        var pools = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pool in config.Backends)
        {
            var key = $"backends.{pool.Name}";
            if (!pools.Add(pool.Name))
            {
                Add(key, $"pool '{pool.Name}' is defined twice; give each pool its own name.");
            }

            if (pool.Servers.IsDefaultOrEmpty)
            {
                Add($"{key}.servers", "the pool has no servers; add at least one [" + key + ".servers.NAME] with an addr.");
            }
            else
            {
                ValidateServers(pool, key, Add);
            }

            if (pool.Balance is not null && !knownPolicies.Contains(pool.Balance))
            {
                Add($"{key}.balance", $"unknown balancing policy '{pool.Balance}'; use one of: {string.Join(", ", knownPolicies.Order(StringComparer.Ordinal))}.");
            }

            if (pool.Retries is < 0 or > 100)
            {
                Add($"{key}.retries", $"retries must be between 0 and 100, not {pool.Retries}.");
            }

            ValidateHealth(pool.HealthCheck, $"{key}", Add);
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var listens = new HashSet<System.Net.IPEndPoint>();
        foreach (var frontend in config.Frontends)
        {
            var key = $"frontends.{frontend.Name}";
            if (!names.Add(frontend.Name))
            {
                Add(key, $"frontend '{frontend.Name}' is defined twice; give each frontend its own name.");
            }

            if (!listens.Add(frontend.ListenEndPoint))
            {
                Add($"{key}.listen_addr", $"{frontend.ListenEndPoint} is already the listen address of another frontend; each frontend needs its own.");
            }

            if (frontend.ListenEndPoint.Port == 0)
            {
                Add($"{key}.listen_addr", "the listen port must be between 1 and 65535.");
            }

            if (!pools.Contains(frontend.Backend))
            {
                Add($"{key}.backend", $"no pool named '{frontend.Backend}'; define [backends.{frontend.Backend}] or name one of: {string.Join(", ", pools.Order(StringComparer.Ordinal))}.");
            }

            if (frontend.ConnectTimeout <= TimeSpan.Zero || frontend.IdleTimeout <= TimeSpan.Zero || frontend.DrainTimeout < TimeSpan.Zero)
            {
                Add(key, "connect_timeout and idle_timeout must be positive, drain_timeout zero or more.");
            }

            if (frontend.MaxConnections < 0)
            {
                Add($"{key}.max_connections", "max_connections must be 0 (no limit) or more.");
            }
        }

        var passthrough = config.Passthrough;
        if (passthrough.ConnectionTrackerCapacity < 1)
        {
            Add("passthrough.connection_tracker_capacity", "connection_tracker_capacity must be at least 1.");
        }

        if (passthrough.Workers is < 1 or > 256)
        {
            Add("passthrough.workers", "workers must be between 1 and 256.");
        }

        return errors;
    }

    private static void ValidateServers(BackendPoolConfig pool, string key, Action<string, string> add)
    {
        var addresses = new HashSet<System.Net.IPEndPoint>();
        foreach (var server in pool.Servers)
        {
            var serverKey = $"{key}.servers.{server.Name}";
            if (!addresses.Add(server.Address))
            {
                add($"{serverKey}.addr", $"{server.Address} is already the address of another server of this pool.");
            }

            if (server.Address.Port == 0)
            {
                add($"{serverKey}.addr", "the server port must be between 1 and 65535.");
            }

            if (server.Weight is < 0 or > ServerConfig.MaxWeight)
            {
                add($"{serverKey}.weight", $"weight must be between 0 and {ServerConfig.MaxWeight}, not {server.Weight}.");
            }

            if (server.MaxConnections < 0)
            {
                add($"{serverKey}.max_connections", "max_connections must be 0 (no limit) or more.");
            }
        }
    }

    private static void ValidateHealth(HealthCheckConfig health, string key, Action<string, string> add)
    {
        if (health.Interval <= TimeSpan.Zero)
        {
            add($"{key}.health_check_interval", "health_check_interval must be positive.");
        }

        if (health.Timeout <= TimeSpan.Zero)
        {
            add($"{key}.health_check_timeout", "health_check_timeout must be positive.");
        }

        if (health.Rise is < 1 or > 100 || health.Fall is < 1 or > 100)
        {
            add(key, "rise and fall must be between 1 and 100.");
        }
    }
}
