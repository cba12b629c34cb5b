using System.Collections.Immutable;
using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;
using NSubstitute;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Runtime;

public class ConveyRuntimeTests
{
    private readonly ConveyRuntime _runtime = CreateRuntime();

    private BackendPool Web => _runtime.Current.Pools["web"];

    private ServerState At(int port) => Web.Servers.Single(s => s.Address.Port == port);

    private HashSet<string> Picks(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => Web.Select(default(FlowKey))?.Name ?? "none")];

    [Fact]
    public void Reload_keeps_health_and_counters_of_kept_servers()
    {
        _runtime.Apply(Web(Server("a", 8001), Server("b", 8002)));
        var a = At(8001);
        a.OnConnectionOpened();
        a.AddBytesToServer(100);
        a.OnConnectFailure();
        a.SetHealthy(false);

        _runtime.Apply(Web(Server("renamed", 8001, weight: 5), Server("b", 8002)));

        Assert.Same(a, At(8001));
        Assert.Equal("renamed", a.Name);
        Assert.Equal(5, a.Weight);
        Assert.False(a.IsHealthy);
        Assert.Equal(1, a.ActiveConnections);
        Assert.Equal(100, a.BytesToServer);
        Assert.Equal(1, a.ConnectFailures);
    }

    [Fact]
    public void Removed_server_with_open_flows_drains_then_is_forgotten_when_they_end()
    {
        _runtime.Apply(Web(Server("a", 8001), Server("b", 8002)));
        var b = At(8002);
        b.OnConnectionOpened();

        _runtime.Apply(Web(Server("a", 8001)));

        Assert.True(b.IsDraining);
        Assert.Contains(b, Web.Servers);
        Assert.Equal(["a"], Picks(10));
        Assert.Null(Web.FindServer(b.Address));

        _runtime.RemoveDrained();
        Assert.Contains(b, Web.Servers);

        b.OnConnectionClosed();
        _runtime.RemoveDrained();
        Assert.DoesNotContain(b, Web.Servers);
    }

    [Fact]
    public void Removed_server_without_flows_is_forgotten_at_once()
    {
        _runtime.Apply(Web(Server("a", 8001), Server("b", 8002)));
        var b = At(8002);

        _runtime.Apply(Web(Server("a", 8001)));

        Assert.True(b.IsDraining);
        Assert.DoesNotContain(b, Web.Servers);
    }

    [Fact]
    public void Address_readded_while_draining_returns_to_service_with_its_counters()
    {
        _runtime.Apply(Web(Server("a", 8001), Server("b", 8002)));
        var b = At(8002);
        b.OnConnectionOpened();
        _runtime.Apply(Web(Server("a", 8001)));

        _runtime.Apply(Web(Server("a", 8001), Server("b", 8002)));

        Assert.Same(b, Assert.Single(Web.Servers, s => s.Address.Port == 8002));
        Assert.False(b.IsDraining);
        Assert.Equal(1, b.ActiveConnections);
        Assert.Equal(["a", "b"], Picks(10));
    }

    [Fact]
    public void Reload_adds_new_servers_to_selection()
    {
        _runtime.Apply(Web(Server("a", 8001)));

        _runtime.Apply(Web(Server("a", 8001), Server("c", 8003)));

        Assert.Equal(["a", "c"], Picks(10));
        Assert.Equal(0, At(8003).TotalConnections);
    }

    [Fact]
    public void Reload_reweights_kept_servers()
    {
        _runtime.Apply(Web(Server("a", 8001), Server("b", 8002)));

        _runtime.Apply(Web(Server("a", 8001, weight: 3), Server("b", 8002, weight: 0)));

        Assert.Equal(["a"], Picks(10));
    }

    [Fact]
    public void Unhealthy_server_leaves_selection_and_returns_when_healthy()
    {
        _runtime.Apply(Web(Server("a", 8001), Server("b", 8002))).Pools["web"].Servers[1].SetHealthy(true);

        At(8001).SetHealthy(false);
        Assert.Equal(["b"], Picks(10));

        At(8001).SetHealthy(true);
        Assert.Equal(["a", "b"], Picks(10));
    }

    [Fact]
    public void Refused_snapshot_changes_nothing()
    {
        var before = _runtime.Apply(Web(Server("a", 8001)));
        var bad = Config(Pool("web", Server("a", 8001), Server("dup", 8001)), Frontend("front", 9000, "missing"));

        var error = Assert.Throws<ConfigException>(() => _runtime.Apply(bad));

        Assert.Contains(error.Errors, e => e.KeyPath == "frontends.front.backend");
        Assert.Same(before, _runtime.Current);
        Assert.Equal([8001], Web.Servers.Select(s => s.Address.Port));
        Assert.False(Web.Servers[0].IsDraining);
    }

    [Fact]
    public void Snapshot_whose_selector_cannot_be_created_changes_nothing()
    {
        var runtime = CreateRuntime(new BackendSelectorRegistration("broken", _ => throw new InvalidOperationException("no")));
        var before = runtime.Apply(Web(Server("a", 8001)));
        var pool = before.Pools["web"];
        var broken = Config(Pool("web", Server("b", 8002)) with { Balance = "broken" }, Frontend("other", 9001, "web"));

        Assert.Throws<InvalidOperationException>(() => runtime.Apply(broken));

        Assert.Same(before, runtime.Current);
        Assert.Equal([8001], pool.Servers.Select(s => s.Address.Port));
        Assert.False(before.Frontends["front"].IsDraining);
    }

    [Fact]
    public void Default_policy_that_is_not_registered_is_refused_with_the_pool_key()
    {
        var registry = new BackendSelectorRegistry(
            [new BackendSelectorRegistration(BalancingPolicyNames.RoundRobin, _ => new RoundRobinSelector())],
            Substitute.For<IServiceProvider>());
        var runtime = new ConveyRuntime(registry, Microsoft.Extensions.Options.Options.Create(new ConveyOptions()), () => [StandInEngine.Packet()], () => []);

        var error = Assert.Throws<ConfigException>(() =>
            runtime.Apply(Config(Pool("web", Server("a", 8001)), Frontend("front", 9000, "web", "passthrough"))));

        Assert.Equal("backends.web.balance", Assert.Single(error.Errors).KeyPath);
        Assert.Same(RuntimeSnapshot.Empty, runtime.Current);
    }

    [Fact]
    public void Frontends_are_kept_added_and_removed_and_removed_ones_drain()
    {
        _runtime.Apply(Config(Pool("web", Server("a", 8001)), Frontend("keep", 9000, "web"), Frontend("drop", 9001, "web")));
        var kept = _runtime.Current.Frontends["keep"];
        var dropped = _runtime.Current.Frontends["drop"];
        kept.OnConnectionOpened();

        _runtime.Apply(Config(Pool("web", Server("a", 8001)), Frontend("keep", 9100, "web"), Frontend("new", 9002, "web")));

        Assert.Same(kept, _runtime.Current.Frontends["keep"]);
        Assert.Equal(9100, kept.Config.ListenEndPoint.Port);
        Assert.Equal(1, kept.TotalConnections);
        Assert.False(kept.IsDraining);
        Assert.True(dropped.IsDraining);
        Assert.Equal(["keep", "new"], _runtime.Current.Frontends.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Frontend_moved_to_another_pool_is_rebound()
    {
        _runtime.Apply(Config([Pool("web", Server("a", 8001)), Pool("api", Server("b", 8002))], [Frontend("f", 9000, "web")]));
        var frontend = _runtime.Current.Frontends["f"];

        _runtime.Apply(Config([Pool("web", Server("a", 8001)), Pool("api", Server("b", 8002))], [Frontend("f", 9000, "api")]));

        Assert.Same(_runtime.Current.Pools["api"], frontend.Pool);
        Assert.Same(frontend.Pool, frontend.Binding.Pool);
    }

    [Fact]
    public void Removed_pool_is_retired_and_its_servers_drain()
    {
        _runtime.Apply(Config([Pool("web", Server("a", 8001)), Pool("old", Server("o", 8009))], [Frontend("f", 9000, "web")]));
        var old = _runtime.Current.Pools["old"];

        _runtime.Apply(Config(Pool("web", Server("a", 8001)), Frontend("f", 9000, "web")));

        Assert.False(_runtime.Current.Pools.ContainsKey("old"));
        Assert.All(old.Servers, s => Assert.True(s.IsDraining));
        Assert.Null(old.Select(default(FlowKey)));
    }

    [Fact]
    public void Policy_change_swaps_in_a_selector_already_filled_with_the_servers()
    {
        var custom = Substitute.For<IBackendSelector>();
        ImmutableArray<ServerState> given = default;
        custom.When(s => s.Update(Arg.Any<ImmutableArray<ServerState>>())).Do(c => given = c.Arg<ImmutableArray<ServerState>>());
        custom.Select(Arg.Any<FlowKey>()).Returns(_ => given.IsDefaultOrEmpty ? null : given[0]);
        var runtime = CreateRuntime(new BackendSelectorRegistration("custom", _ => custom));
        runtime.Apply(Web(Server("a", 8001)));
        var pool = runtime.Current.Pools["web"];

        runtime.Apply(Config(Pool("web", Server("a", 8001)) with { Balance = "custom" }, Frontend("front", 9000, "web")));

        Assert.Same(pool, runtime.Current.Pools["web"]);
        Assert.Equal("custom", pool.Policy);
        Assert.Equal("a", pool.Select(default(FlowKey))!.Name);
        custom.Received().Select(Arg.Any<FlowKey>());
    }

    [Fact]
    public void Same_policy_keeps_the_selector()
    {
        var created = 0;
        var runtime = CreateRuntime(new BackendSelectorRegistration("counted", _ =>
        {
            created++;
            return new RoundRobinSelector();
        }));

        runtime.Apply(Config(Pool("web", Server("a", 8001)) with { Balance = "counted" }, Frontend("front", 9000, "web")));
        runtime.Apply(Config(Pool("web", Server("a", 8001), Server("b", 8002)) with { Balance = "counted" }, Frontend("front", 9000, "web")));

        Assert.Equal(1, created);
    }

    [Theory]
    [InlineData(null, BalancingPolicyNames.RoundRobin)]
    [InlineData("proxy", BalancingPolicyNames.RoundRobin)]
    [InlineData("passthrough", BalancingPolicyNames.Maglev)]
    [InlineData("dsr", BalancingPolicyNames.Maglev)]
    public void Default_policy_follows_the_mode_of_the_pool_users(string? mode, string policy)
    {
        _runtime.Apply(Config(Pool("web", Server("a", 8001)), Frontend("front", 9000, "web", mode)));

        Assert.Equal(policy, Web.Policy);
    }

    [Fact]
    public void A_pool_shared_by_proxy_and_packet_frontends_gets_maglev()
    {
        _runtime.Apply(Config(Pool("web", Server("a", 8001)),
            Frontend("p", 9000, "web", "proxy"), Frontend("d", 9001, "web", "dsr")));

        Assert.Equal(BalancingPolicyNames.Maglev, Web.Policy);
    }

    [Fact]
    public void New_selector_is_filled_before_picks_can_reach_it()
    {
        var probing = new PublicationProbeSelector();
        var runtime = CreateRuntime(new BackendSelectorRegistration("probing", _ => probing));
        runtime.Apply(Web(Server("a", 8001)));
        probing.Pool = runtime.Current.Pools["web"];

        runtime.Apply(Config(Pool("web", Server("a", 8001)) with { Balance = "probing" }, Frontend("front", 9000, "web")));

        Assert.False(probing.PickedBeforeFilled);
        Assert.Equal("a", probing.Pool.Select(default(FlowKey))!.Name);
    }

    [Fact]
    public void Apply_publishes_the_snapshot_it_returns()
    {
        var config = Web(Server("a", 8001));

        var snapshot = _runtime.Apply(config);

        Assert.Same(snapshot, _runtime.Current);
        Assert.Same(config, snapshot.Config);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8001), Web.Servers[0].Address);
    }

    /// <summary>Picks from its pool while being filled: if the pool already published it, the pick lands here unfilled.</summary>
    private sealed class PublicationProbeSelector : IBackendSelector
    {
        private ImmutableArray<ServerState> _servers = [];
        private bool _filled;

        public BackendPool? Pool { get; set; }

        public bool PickedBeforeFilled { get; private set; }

        public void Update(ImmutableArray<ServerState> availableServers)
        {
            Pool?.Select(default(FlowKey));
            _servers = availableServers;
            _filled = true;
        }

        public ServerState? Select(in FlowKey flow)
        {
            PickedBeforeFilled |= !_filled;
            return _servers.IsEmpty ? null : _servers[0];
        }
    }
}
