using System.Net;

namespace Convey.Configuration;

/// <summary>
/// Checks the rules that hold across a whole snapshot, whatever its source: names unique, every frontend's
/// pool present, listen addresses not overlapping, no server that is its own frontend,
/// pools non-empty, values in range, policies known.
/// The TOML reader runs the same rules and places each error at its line and column; programmatic
/// configurations get the same errors with the key path only.
/// </summary>
internal static class ConfigValidator
{
    /// <summary>Largest <see cref="BackendPoolConfig.Retries"/>.</summary>
    internal const int MaxRetries = 100;

    /// <summary>Largest <see cref="HealthCheckConfig.Rise"/> and <see cref="HealthCheckConfig.Fall"/>.</summary>
    internal const int MaxThreshold = 100;

    /// <summary>Frontends on <c>[::]</c> are IPv6-only (the proxy engine binds them so; the packet engine is IPv4-only).</summary>
    internal const bool FrontendDualStack = false;

    /// <summary>Returns every problem in <paramref name="config"/>; empty when it can be applied.</summary>
    /// <param name="config">The snapshot to check.</param>
    /// <param name="knownPolicies">Names of the registered balancing policies.</param>
    public static IReadOnlyList<ConfigError> Validate(ConveyConfig config, IReadOnlyCollection<string> knownPolicies)
    {
        ArgumentNullException.ThrowIfNull(knownPolicies);
        return ValidateCore(config, knownPolicies, new LocalAddresses());
    }

    /// <summary>
    /// Every rule except that balancing policies are registered, which only the host knows: used by readers
    /// that run before the host is built.
    /// </summary>
    internal static IReadOnlyList<ConfigError> ValidateStructure(ConveyConfig config) => ValidateCore(config, knownPolicies: null, new LocalAddresses());

    /// <summary>Every rule, with this host's addresses given (tests).</summary>
    internal static IReadOnlyList<ConfigError> Validate(ConveyConfig config, IReadOnlyCollection<string>? knownPolicies, LocalAddresses host) =>
        ValidateCore(config, knownPolicies, host);

    private static List<ConfigError> ValidateCore(ConveyConfig config, IReadOnlyCollection<string>? knownPolicies, LocalAddresses host)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<ConfigError>();
        void Add(string key, string message) => errors.Add(new ConfigError(config.Source, 0, 0, key, message));

        var pools = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pool in config.Pools)
        {
            ValidatePool(pool, pools, knownPolicies, Add);
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var listens = new Dictionary<(FrontendProtocol, int), List<FrontendConfig>>();
        foreach (var frontend in config.Frontends)
        {
            var key = $"frontends.{frontend.Name}";
            if (!names.Add(frontend.Name))
            {
                Add(key, $"frontend '{frontend.Name}' is defined twice; give each frontend its own name.");
            }

            if (frontend.ListenEndPoint.Port == 0)
            {
                Add($"{key}.listen_addr", "the listen port must be between 1 and 65535.");
            }
            else
            {
                ValidateListen(frontend, listens, Add);
            }

            if (!pools.Contains(frontend.Pool))
            {
                var choices = pools.Count == 0 ? "no pool is defined yet" : "defined pools: " + string.Join(", ", pools.Order(StringComparer.Ordinal));
                Add($"{key}.backend", $"no pool named '{frontend.Pool}'; define [backends.{frontend.Pool}] or name an existing pool ({choices}).");
            }

            Positive(frontend.ConnectTimeout, $"{key}.connect_timeout", Add);
            Positive(frontend.IdleTimeout, $"{key}.idle_timeout", Add);
            if (frontend.DrainTimeout < TimeSpan.Zero)
            {
                Add($"{key}.drain_timeout", "drain_timeout must be zero or more seconds.");
            }

            if (frontend.MaxConnections < 0)
            {
                Add($"{key}.max_connections", $"max_connections must be 0 (no limit) or more, not {frontend.MaxConnections}.");
            }
        }

        ValidateNoSelfLoops(config, host, Add);
        return errors;
    }

    /// <summary>
    /// A frontend's listen address must not take a port another frontend of its protocol takes (same address, or a
    /// wildcard and an address it covers); a TCP and a UDP frontend may share one, as DNS servers do.
    /// </summary>
    private static void ValidateListen(FrontendConfig frontend, Dictionary<(FrontendProtocol, int), List<FrontendConfig>> listens, Action<string, string> add)
    {
        var endPoint = frontend.ListenEndPoint;
        if (!listens.TryGetValue((frontend.Protocol, endPoint.Port), out var onPort))
        {
            listens.Add((frontend.Protocol, endPoint.Port), onPort = []);
        }

        if (onPort.FirstOrDefault(other => ListenOverlap.Overlaps(other.ListenEndPoint, FrontendDualStack, endPoint, FrontendDualStack)) is { } taken)
        {
            var why = ListenOverlap.Explain(taken.ListenEndPoint, FrontendDualStack, endPoint, FrontendDualStack);
            add($"frontends.{frontend.Name}.listen_addr", why.Length == 0
                ? $"{Format(endPoint)} is already the listen address of another frontend ('{taken.Name}'); each frontend needs its own."
                : $"{Format(endPoint)} clashes with frontend '{taken.Name}' on {Format(taken.ListenEndPoint)}:{why} Give one of them another port, or give both specific addresses.");
        }

        onPort.Add(frontend);
    }

    /// <summary>
    /// A server must not be a frontend of its own pool: its address equal to the frontend's listen address, or an
    /// address of this host on the port of a frontend listening on a wildcard. The balancer would connect to itself
    /// for every flow until its connection limit is full. Applies to servers given as IP literals.
    /// </summary>
    private static void ValidateNoSelfLoops(ConveyConfig config, LocalAddresses host, Action<string, string> add)
    {
        var byPool = config.Frontends.Where(f => f.ListenEndPoint.Port > 0).ToLookup(f => f.Pool, StringComparer.Ordinal);
        foreach (var pool in config.Pools)
        {
            var frontends = byPool[pool.Name];
            if (!frontends.Any() || pool.Servers.IsDefault)
            {
                continue;
            }

            foreach (var server in pool.Servers)
            {
                if (server.Address is not IPEndPoint { Port: > 0 } address)
                {
                    continue;
                }

                var loop = frontends.FirstOrDefault(f => f.ListenEndPoint.Port == address.Port
                    && ListenOverlap.Covers(f.ListenEndPoint.Address, FrontendDualStack, address.Address)
                    && (ListenOverlap.Normalize(f.ListenEndPoint.Address).Equals(ListenOverlap.Normalize(address.Address)) || host.IsLocal(address.Address)));
                if (loop is not null)
                {
                    var how = ListenOverlap.IsWildcard(loop.ListenEndPoint.Address) ? $", which includes {address.Address}, an address of this host" : "";
                    add($"backends.{pool.Name}.servers.{server.Name}.addr",
                        $"server '{server.Name}' ({Format(address)}) is frontend '{loop.Name}' itself (it listens on {Format(loop.ListenEndPoint)}{how}): "
                        + "the balancer would connect to itself for every flow until its connection limit is full. "
                        + "Point addr at the real server, or move the frontend to another port.");
                }
            }
        }
    }

    private static void ValidatePool(BackendPoolConfig pool, HashSet<string> pools, IReadOnlyCollection<string>? knownPolicies, Action<string, string> add)
    {
        var key = $"backends.{pool.Name}";
        if (!pools.Add(pool.Name))
        {
            add(key, $"pool '{pool.Name}' is defined twice; give each pool its own name.");
        }

        if (pool.Servers.IsDefaultOrEmpty)
        {
            add($"{key}.servers", $"pool '{pool.Name}' has no servers; add at least one [{key}.servers.NAME] table with an addr, or remove the pool.");
        }
        else
        {
            ValidateServers(pool, key, add);
        }

        if (knownPolicies is not null && pool.Balance is not null && !knownPolicies.Contains(pool.Balance))
        {
            add($"{key}.balance", $"unknown balancing policy '{pool.Balance}'; use one of: {string.Join(", ", knownPolicies.Order(StringComparer.Ordinal))}.");
        }

        Positive(pool.ResolveInterval, $"{key}.resolve_interval", add);
        if (pool.Retries is < 0 or > MaxRetries)
        {
            add($"{key}.retries", $"retries must be between 0 and {MaxRetries}, not {pool.Retries}.");
        }

        var health = pool.HealthCheck;
        Positive(health.Interval, $"{key}.health_check_interval", add);
        Positive(health.Timeout, $"{key}.health_check_timeout", add);
        if (health.Rise is < 1 or > MaxThreshold)
        {
            add($"{key}.rise", $"rise must be between 1 and {MaxThreshold}, not {health.Rise}.");
        }

        if (health.Fall is < 1 or > MaxThreshold)
        {
            add($"{key}.fall", $"fall must be between 1 and {MaxThreshold}, not {health.Fall}.");
        }

        if (health.Port is < 0 or > 65535)
        {
            add($"{key}.health_check_port", $"health_check_port must be between 1 and 65535 (or 0 for each server's own port), not {health.Port}.");
        }

        if (!Health.ProbePayload.TryParse(health.Send, out _, out var sendError))
        {
            add($"{key}.health_check_send", sendError);
        }

        if (!Health.ProbePayload.TryParse(health.Expect, out _, out var expectError))
        {
            add($"{key}.health_check_expect", expectError);
        }
    }

    private static void ValidateServers(BackendPoolConfig pool, string key, Action<string, string> add)
    {
        var addresses = new HashSet<EndPoint>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var server in pool.Servers)
        {
            var serverKey = $"{key}.servers.{server.Name}";
            if (!names.Add(server.Name))
            {
                add(serverKey, $"server '{server.Name}' is defined twice in pool '{pool.Name}'; give each server its own name.");
            }

            if (ServerAddressError(server.Address) is { } addressError)
            {
                add($"{serverKey}.addr", addressError);
            }
            else if (!addresses.Add(server.Address))
            {
                add($"{serverKey}.addr", $"{Format(server.Address)} is already the address of another server of pool '{pool.Name}'; a server's address is its identity, list it once.");
            }

            if (server.Weight is < 0 or > ServerConfig.MaxWeight)
            {
                add($"{serverKey}.weight", $"weight must be between 0 and {ServerConfig.MaxWeight}, not {server.Weight}.");
            }

            if (server.MaxConnections < 0)
            {
                add($"{serverKey}.max_connections", $"max_connections must be 0 (no limit) or more, not {server.MaxConnections}.");
            }
        }
    }

    private static void Positive(TimeSpan value, string key, Action<string, string> add)
    {
        if (value <= TimeSpan.Zero)
        {
            var name = key[(key.LastIndexOf('.') + 1)..];
            add(key, $"{name} must be a positive number of seconds, not {value.TotalSeconds}.");
        }
    }

    /// <summary>What is wrong with a server's address (an IP endpoint or a host name and port), or null.</summary>
    private static string? ServerAddressError(EndPoint address) => address switch
    {
        IPEndPoint { Port: 0 } or DnsEndPoint { Port: 0 } => "the server port must be between 1 and 65535.",
        IPEndPoint => null,
        DnsEndPoint dns when !HostNameSyntax.IsValid(dns.Host) => $"\"{dns.Host}\" is not a host name; use letters, digits and '-' in dot-separated labels (RFC 1123), or an IP address.",
        DnsEndPoint => null,
        _ => $"a server address must be an IP endpoint or a host name and port, not a {address.GetType().Name}.",
    };

    private static string Format(EndPoint endPoint) => EndPointText.Format(endPoint);
}
