using System.Collections.Immutable;
using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Benchmarks.Balancing;

/// <summary>Servers and selectors for the balancing benchmarks.</summary>
internal static class BenchmarkPool
{
    /// <summary>Servers 10.0.x.y:8080 with weights 1 to 10 in turn.</summary>
    public static ImmutableArray<ServerState> Servers(int count) =>
    [
        .. Enumerable.Range(0, count).Select(i => new ServerState(new ServerConfig
        {
            Name = $"s{i}",
            Address = new IPEndPoint(new IPAddress([10, 0, (byte)(i / 250), (byte)(i % 250 + 1)]), 8080),
            Weight = i % 10 + 1,
        })),
    ];

    /// <summary>A built-in policy by name, as a pool would get it.</summary>
    public static IBackendSelector Selector(string policy) => policy switch
    {
        BalancingPolicyNames.RoundRobin => new RoundRobinSelector(),
        BalancingPolicyNames.WeightedRandom => new WeightedRandomSelector(),
        BalancingPolicyNames.LeastConnections => new LeastConnectionsSelector(),
        BalancingPolicyNames.PowerOfTwoChoices => new PowerOfTwoChoicesSelector(),
        BalancingPolicyNames.Maglev => new MaglevSelector(MaglevKey.Flow),
        BalancingPolicyNames.MaglevSource => new MaglevSelector(MaglevKey.SourceAddress),
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "not a built-in policy"),
    };
}
