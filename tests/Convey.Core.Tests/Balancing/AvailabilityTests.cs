using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Core.Tests.Balancing;

public class AvailabilityTests
{
    private const int Picks = 2_000;

    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public void A_selector_never_updated_gives_no_server(string policy) =>
        Assert.Null(TestPool.Selector(policy).Select(FlowKey.FromIPv4(1, 2, 3, 4)));

    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public void An_empty_pool_gives_no_server(string policy)
    {
        var selector = TestPool.Selector(policy);
        selector.Update(TestPool.Weighted(1, 1));
        selector.Update([]);
        Assert.Null(selector.Select(FlowKey.FromIPv4(1, 2, 3, 4)));
    }

    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public void A_pool_whose_servers_all_went_down_gives_no_server(string policy)
    {
        var servers = TestPool.Weighted(1, 2, 3);
        var selector = TestPool.Selector(policy);
        selector.Update(servers);
        foreach (var server in servers)
        {
            server.SetHealthy(false);
        }

        Assert.All(PickMany(selector), Assert.Null);
    }

    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public void A_server_that_went_down_after_the_update_is_never_picked(string policy)
    {
        var servers = TestPool.Weighted(5, 3, 2);
        var selector = TestPool.Selector(policy);
        selector.Update(servers);
        servers[0].SetHealthy(false);

        AssertNeverPicked(selector, servers[0]);
    }

    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public void A_draining_server_is_never_picked(string policy)
    {
        var servers = TestPool.Weighted(5, 3, 2);
        var selector = TestPool.Selector(policy);
        selector.Update(servers);
        servers[1].MarkDraining();

        AssertNeverPicked(selector, servers[1]);
    }

    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public void A_server_of_weight_zero_is_never_picked_even_if_handed_to_the_selector(string policy)
    {
        var servers = TestPool.Weighted(1, 0, 1);
        var selector = TestPool.Selector(policy);
        selector.Update(servers);

        AssertNeverPicked(selector, servers[1]);
    }

    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public void A_server_at_its_connection_limit_is_skipped_for_another(string policy)
    {
        ImmutableArray<ServerState> servers = [TestPool.Server(0, weight: 10, maxConnections: 2), TestPool.Server(1), TestPool.Server(2)];
        servers[0].OnConnectionOpened();
        servers[0].OnConnectionOpened();
        var selector = TestPool.Selector(policy);
        selector.Update(servers);

        AssertNeverPicked(selector, servers[0]);
    }

    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public void A_pool_whose_servers_are_all_full_gives_no_server(string policy)
    {
        ImmutableArray<ServerState> servers = [TestPool.Server(0, maxConnections: 1), TestPool.Server(1, weight: 4, maxConnections: 1)];
        var selector = TestPool.Selector(policy);
        selector.Update(servers);
        servers[0].OnConnectionOpened();
        servers[1].OnConnectionOpened();

        Assert.All(PickMany(selector), Assert.Null);
    }

    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public void A_server_that_frees_a_connection_is_picked_again(string policy)
    {
        var server = TestPool.Server(0, maxConnections: 1);
        var selector = TestPool.Selector(policy);
        selector.Update([server]);
        server.OnConnectionOpened();
        Assert.Null(selector.Select(FlowKey.FromIPv4(1, 2, 3, 4)));

        server.OnConnectionClosed();
        Assert.Same(server, selector.Select(FlowKey.FromIPv4(1, 2, 3, 4)));
    }

    private static void AssertNeverPicked(Convey.Balancing.IBackendSelector selector, ServerState excluded)
    {
        var picks = PickMany(selector);
        Assert.All(picks, Assert.NotNull);
        Assert.DoesNotContain(excluded, picks);
    }

    private static List<ServerState?> PickMany(Convey.Balancing.IBackendSelector selector)
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, Picks).Select(i => selector.Select(TestPool.Flow(i, random)))];
    }
}
