using System.Collections.Immutable;
using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Convey.Core.Tests.Balancing;

/// <summary>Servers, flows and selectors for balancing tests.</summary>
internal static class TestPool
{
    private static readonly Lazy<BackendSelectorRegistry> Registry = new(() =>
        new ServiceCollection().AddConveyCore().Services.BuildServiceProvider().GetRequiredService<BackendSelectorRegistry>());

    public static readonly string[] AllPolicies =
    [
        BalancingPolicyNames.RoundRobin,
        BalancingPolicyNames.WeightedRandom,
        BalancingPolicyNames.LeastConnections,
        BalancingPolicyNames.PowerOfTwoChoices,
        BalancingPolicyNames.Maglev,
        BalancingPolicyNames.MaglevSource,
    ];

    public static TheoryData<string> Policies => new(AllPolicies);

    /// <summary>A built-in policy, created the way a pool gets it: by name from the DI registry.</summary>
    public static IBackendSelector Selector(string policy) => Registry.Value.Create(policy);

    /// <summary>Server number <paramref name="n"/> at 10.0.x.y:8080.</summary>
    public static ServerState Server(int n, int weight = 1, int maxConnections = 0) =>
        new(new ServerConfig
        {
            Name = $"s{n}",
            Address = new IPEndPoint(new IPAddress([10, 0, (byte)(n / 250), (byte)(n % 250 + 1)]), 8080),
            Weight = weight,
            MaxConnections = maxConnections,
        });

    /// <summary>One server per weight, numbered from 0.</summary>
    public static ImmutableArray<ServerState> Weighted(params int[] weights) => [.. weights.Select((w, i) => Server(i, w))];

    /// <summary>The <paramref name="i"/>-th of a run of distinct client flows: distinct source addresses, seeded random ports.</summary>
    public static FlowKey Flow(int i, Random random) =>
        FlowKey.FromIPv4(unchecked((uint)i * 2_654_435_761u), (ushort)random.Next(1024, 65536), 0xC612_0001, 80);
}
