using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Core.Tests.Runtime;
using Convey.Forwarding;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Convey.Core.Tests.Balancing;

public class BuiltInPolicyTests
{
    [Theory]
    [InlineData(BalancingPolicyNames.RoundRobin, typeof(RoundRobinSelector))]
    [InlineData(BalancingPolicyNames.WeightedRandom, typeof(WeightedRandomSelector))]
    [InlineData(BalancingPolicyNames.LeastConnections, typeof(LeastConnectionsSelector))]
    [InlineData(BalancingPolicyNames.PowerOfTwoChoices, typeof(PowerOfTwoChoicesSelector))]
    [InlineData(BalancingPolicyNames.Maglev, typeof(MaglevSelector))]
    [InlineData(BalancingPolicyNames.MaglevSource, typeof(MaglevSelector))]
    public void Every_built_in_policy_is_registered_by_name(string name, Type selectorType)
    {
        var registry = Registry(new ServiceCollection().AddConveyCore().Services);

        Assert.IsType(selectorType, registry.Create(name));
    }

    [Fact]
    public void Maglev_source_hashes_the_client_address_and_maglev_the_whole_flow()
    {
        var registry = Registry(new ServiceCollection().AddConveyCore().Services);

        Assert.Equal(MaglevKey.Flow, Assert.IsType<MaglevSelector>(registry.Create(BalancingPolicyNames.Maglev)).Key);
        Assert.Equal(MaglevKey.SourceAddress, Assert.IsType<MaglevSelector>(registry.Create(BalancingPolicyNames.MaglevSource)).Key);
    }

    [Fact]
    public void Adding_the_core_twice_registers_each_policy_once()
    {
        var services = new ServiceCollection();
        services.AddConveyCore();
        services.AddConveyCore();

        Assert.Equal(TestPool.AllPolicies.Length, services.Count(d => d.ServiceType == typeof(BackendSelectorRegistration)));
    }

    [Fact]
    public void An_application_policy_registered_under_a_built_in_name_replaces_it()
    {
        var registry = Registry(new ServiceCollection().AddConveyCore().AddSelector<LeastConnectionsSelector>(BalancingPolicyNames.RoundRobin).Services);

        Assert.IsType<LeastConnectionsSelector>(registry.Create(BalancingPolicyNames.RoundRobin));
    }

    [Theory]
    [InlineData("proxy", BalancingPolicyNames.RoundRobin)]
    [InlineData("passthrough", BalancingPolicyNames.Maglev)]
    [InlineData("dsr", BalancingPolicyNames.Maglev)]
    public void A_pool_without_balance_gets_the_default_of_its_frontends_mode(string mode, string expected)
    {
        var runtime = WithEngines();

        var snapshot = runtime.Apply(Config(mode, balance: null));

        Assert.Equal(expected, snapshot.Pools["web"].Policy);
        Assert.NotNull(snapshot.Pools["web"].Select(FlowKey.FromIPv4(1, 2, 3, 4)));
    }

    [Fact]
    public void A_pool_shared_by_a_proxy_and_a_packet_frontend_defaults_to_maglev_so_packet_flows_stick()
    {
        var runtime = WithEngines();
        var config = Config("proxy", balance: null);
        config = config with
        {
            Frontends = [.. config.Frontends, new FrontendConfig { Name = "packets", ListenEndPoint = IPEndPoint.Parse("127.0.0.1:9010"), Pool = "web", Mode = "passthrough" }],
        };

        Assert.Equal(BalancingPolicyNames.Maglev, runtime.Apply(config).Pools["web"].Policy);
    }

    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public void A_pool_with_balance_set_uses_that_policy(string policy)
    {
        var runtime = new ServiceCollection().AddConveyCore().Services.BuildServiceProvider().GetRequiredService<ConveyRuntime>();

        var snapshot = runtime.Apply(Config("proxy", policy));

        Assert.Equal(policy, snapshot.Pools["web"].Policy);
        Assert.NotNull(snapshot.Pools["web"].Select(FlowKey.FromIPv4(1, 2, 3, 4)));
    }

    /// <summary>The control plane with stand-ins for the engines, whose modes choose a pool's default policy.</summary>
    private static ConveyRuntime WithEngines()
    {
        var services = new ServiceCollection();
        services.AddConveyCore();
        services.AddSingleton<IForwardingEngine>(StandInEngine.Proxy());
        services.AddSingleton<IForwardingEngine>(StandInEngine.Packet());
        return services.BuildServiceProvider().GetRequiredService<ConveyRuntime>();
    }

    private static BackendSelectorRegistry Registry(IServiceCollection services) =>
        services.BuildServiceProvider().GetRequiredService<BackendSelectorRegistry>();

    private static ConveyConfig Config(string mode, string? balance) => new()
    {
        Frontends = [new FrontendConfig { Name = "front", ListenEndPoint = IPEndPoint.Parse("127.0.0.1:9000"), Pool = "web", Mode = mode }],
        Pools =
        [
            new BackendPoolConfig
            {
                Name = "web",
                Balance = balance,
                Servers = [new ServerConfig { Name = "a", Address = IPEndPoint.Parse("127.0.0.1:9001") }, new ServerConfig { Name = "b", Address = IPEndPoint.Parse("127.0.0.1:9002"), Weight = 3 }],
            },
        ],
    };
}
