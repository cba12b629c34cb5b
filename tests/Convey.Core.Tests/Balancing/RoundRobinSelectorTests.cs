using System.Collections.Immutable;
using Convey.Balancing;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Core.Tests.Balancing;

public class RoundRobinSelectorTests
{
    private static readonly FlowKey AnyFlow = FlowKey.FromIPv4(1, 2, 3, 4);

    [Fact]
    public void Weights_5_1_1_give_NGINX_smooth_sequence()
    {
        var servers = TestPool.Weighted(5, 1, 1);
        var selector = new RoundRobinSelector();
        selector.Update(servers);

        Assert.Equal("a a b a c a a a a b a c a a", Picks(selector, servers, 14));
    }

    [Fact]
    public void Equal_weights_give_plain_round_robin()
    {
        var servers = TestPool.Weighted(2, 2, 2);
        var selector = new RoundRobinSelector();
        selector.Update(servers);

        Assert.Equal("a b c a b c a b c", Picks(selector, servers, 9));
    }

    [Fact]
    public void A_full_server_is_skipped_for_the_next_one()
    {
        ImmutableArray<ServerState> servers = [TestPool.Server(0), TestPool.Server(1, maxConnections: 1), TestPool.Server(2)];
        var selector = new RoundRobinSelector();
        selector.Update(servers);
        servers[1].OnConnectionOpened();

        Assert.Equal("a c c a c c", Picks(selector, servers, 6));
    }

    [Fact]
    public void Huge_weights_keep_their_shares_exactly_enough()
    {
        var servers = TestPool.Weighted(1_000_000, 999_999, 3);
        var selector = new RoundRobinSelector();
        selector.Update(servers);

        var picks = Enumerable.Range(0, 2 * SmoothWeightedSchedule.MaxLength).Select(_ => selector.Select(AnyFlow)).ToList();

        Assert.InRange(picks.Count(p => p == servers[0]) / (double)picks.Count, 0.49999, 0.50001);
        Assert.Contains(servers[2], picks);
    }

    [Fact]
    public void An_update_starts_a_fresh_cycle()
    {
        var servers = TestPool.Weighted(1, 1);
        var selector = new RoundRobinSelector();
        selector.Update(servers);
        selector.Select(AnyFlow);

        selector.Update(servers);

        Assert.Equal("a b", Picks(selector, servers, 2));
    }

    private static string Picks(RoundRobinSelector selector, ImmutableArray<ServerState> servers, int count) =>
        string.Join(' ', Enumerable.Range(0, count).Select(_ => (char)('a' + servers.IndexOf(selector.Select(AnyFlow)!))));
}
