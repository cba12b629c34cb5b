using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;
using Microsoft.Extensions.Options;

namespace Convey.RawPacket.Tests;

/// <summary>Live frontends and pools built through the real runtime, for engine-level tests.</summary>
internal static class TestRuntime
{
    public static RuntimeSnapshot Build(
        string mode, string dsrMethod = "l3", int capacity = 1000,
        params (string Name, string Address, int Weight)[] servers) => Build(mode, dsrMethod, capacity, 0, servers);

    public static RuntimeSnapshot Build(
        string mode, string dsrMethod, int capacity, int maxConnections,
        params (string Name, string Address, int Weight)[] servers) =>
        Build(mode, dsrMethod, capacity, maxConnections, BalancingPolicyNames.RoundRobin, servers: servers);

    /// <summary>As above, with the pool's balancing policy (round-robin or Maglev) and the frontend's address.</summary>
    /// <remarks>Without servers, the pool has two of the frontend's family: 198.18.1.11-12:8080, or [2001:2::1:b]/[2001:2::1:c]:8080.</remarks>
    public static RuntimeSnapshot Build(
        string mode, string dsrMethod, int capacity, int maxConnections, string balance, string listen = "198.18.0.2:8080",
        params (string Name, string Address, int Weight)[] servers)
    {
        var frontend = IPEndPoint.Parse(listen);
        if (servers.Length == 0)
        {
            servers = frontend.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? [("b1", "[2001:2::1:b]:8080", 1), ("b2", "[2001:2::1:c]:8080", 1)]
                : [("b1", "198.18.1.11:8080", 1), ("b2", "198.18.1.12:8080", 1)];
        }

        var config = new ConveyConfig
        {
            Frontends =
            [
                new FrontendConfig
                {
                    Name = "web",
                    ListenEndPoint = frontend,
                    Pool = "pool",
                    Mode = mode,
                    Settings = new ConfigSettings([new("dsr_method", dsrMethod)]),
                    MaxConnections = maxConnections,
                },
            ],
            Pools =
            [
                new BackendPoolConfig
                {
                    Name = "pool",
                    Balance = balance,
                    Servers = [.. servers.Select(s => new ServerConfig { Name = s.Name, Address = IPEndPoint.Parse(s.Address), Weight = s.Weight })],
                },
            ],
            Sections = ImmutableDictionary<string, ConfigSettings>.Empty.Add("passthrough", new ConfigSettings([new("connection_tracker_capacity", capacity.ToString(CultureInfo.InvariantCulture))])),
        };
        return CreateRuntime(new BackendSelectorRegistration(BalancingPolicyNames.Maglev, _ => new MaglevSelector())).Apply(config);
    }

    /// <summary>A runtime with round-robin and <paramref name="policies"/> registered.</summary>
    public static ConveyRuntime CreateRuntime(params BackendSelectorRegistration[] policies)
    {
        var registry = new BackendSelectorRegistry(
            [new BackendSelectorRegistration(BalancingPolicyNames.RoundRobin, _ => new RoundRobinSelector()), .. policies],
            new EmptyServices());
        return new ConveyRuntime(registry, Options.Create(new ConveyOptions()));
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
