using Convey.Balancing;
using Convey.Forwarding;

namespace Convey.Core.Tests.Balancing;

public class LoadAwareSelectorTests
{
    private static readonly FlowKey AnyFlow = FlowKey.FromIPv4(1, 2, 3, 4);

    [Fact]
    public void Least_connections_picks_the_fewest_connections_per_unit_of_weight()
    {
        // 4/2 = 2, 3/3 = 1, 3/1 = 3: the middle server is least loaded though not least connected.
        var servers = TestPool.Weighted(2, 3, 1);
        Open(servers[0], 4);
        Open(servers[1], 3);
        Open(servers[2], 3);
        var selector = new LeastConnectionsSelector();
        selector.Update(servers);

        Assert.All(Enumerable.Range(0, 100), _ => Assert.Same(servers[1], selector.Select(AnyFlow)));
    }

    [Fact]
    public void Least_connections_breaks_ties_by_weight_so_an_idle_pool_still_follows_weights()
    {
        var servers = TestPool.Weighted(3, 1);
        var selector = new LeastConnectionsSelector();
        selector.Update(servers);

        var heavy = Enumerable.Range(0, 10_000).Count(_ => selector.Select(AnyFlow) == servers[0]);

        Assert.InRange(heavy, 7_000, 8_000);
    }

    [Fact]
    public void Power_of_two_avoids_a_loaded_server_unless_drawn_twice()
    {
        var servers = TestPool.Weighted(1, 1);
        Open(servers[0], 100);
        var selector = new PowerOfTwoChoicesSelector();
        selector.Update(servers);

        // The loaded server wins only when it is both candidates: one time in four.
        var loaded = Enumerable.Range(0, 10_000).Count(_ => selector.Select(AnyFlow) == servers[0]);

        Assert.InRange(loaded, 2_000, 3_000);
    }

    private static void Open(Convey.Forwarding.ServerState server, int connections)
    {
        for (var i = 0; i < connections; i++)
        {
            server.OnConnectionOpened();
        }
    }
}
