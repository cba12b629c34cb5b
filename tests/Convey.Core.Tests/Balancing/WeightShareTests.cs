using Convey.Balancing;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Core.Tests.Balancing;

public class WeightShareTests
{
    private const int Picks = 100_000;
    private const int OpenConnections = 1_000;

    private static readonly int[][] WeightSets = [[1, 1], [10, 1, 5], [5, 3, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [100_000, 1_000, 99_999]];

    public static TheoryData<string, int[]> PolicyAndWeights()
    {
        var data = new TheoryData<string, int[]>();
        foreach (var policy in TestPool.AllPolicies)
        {
            foreach (var weights in WeightSets)
            {
                data.Add(policy, weights);
            }
        }

        return data;
    }

    /// <summary>
    /// Each pick opens a connection that stays open until a random earlier one is closed in its place, so load-aware
    /// policies see a realistic, steady number of open connections; hashing policies get distinct flows.
    /// </summary>
    [Theory]
    [MemberData(nameof(PolicyAndWeights))]
    public void Over_100000_picks_every_server_gets_its_weight_share_within_one_point(string policy, int[] weights)
    {
        var servers = TestPool.Weighted(weights);
        var selector = TestPool.Selector(policy);
        selector.Update(servers);
        var random = new Random(20_161_016);
        var picks = new Dictionary<ServerState, int>();
        var open = new ServerState[OpenConnections];

        for (var i = 0; i < Picks; i++)
        {
            var server = selector.Select(TestPool.Flow(i, random));
            Assert.NotNull(server);
            picks[server] = picks.GetValueOrDefault(server) + 1;
            server.OnConnectionOpened();
            var slot = i < OpenConnections ? i : random.Next(OpenConnections);
            open[slot]?.OnConnectionClosed();
            open[slot] = server;
        }

        double total = weights.Sum(w => (long)w);
        for (var i = 0; i < servers.Length; i++)
        {
            var share = picks.GetValueOrDefault(servers[i]) / (double)Picks;
            Assert.True(Math.Abs(share - weights[i] / total) <= 0.01,
                $"{policy}: server {i} (weight {weights[i]}) got {share:P2} of picks, expected {weights[i] / total:P2} ± 1 point.");
        }
    }
}
