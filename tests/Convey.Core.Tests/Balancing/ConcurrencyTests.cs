using System.Collections.Immutable;
using System.Diagnostics;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Core.Tests.Balancing;

public class ConcurrencyTests
{
    [Theory]
    [MemberData(nameof(TestPool.Policies), MemberType = typeof(TestPool))]
    public async Task Parallel_picks_while_the_pool_updates_never_fail(string policy)
    {
        var all = TestPool.Weighted(5, 3, 2, 1, 1, 4);
        ImmutableArray<ServerState>[] subsets = [all, all[..3], all[2..], [], all[1..2]];
        var selector = TestPool.Selector(policy);
        selector.Update(all);

        var pickers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 50_000; i++)
            {
                var server = selector.Select(TestPool.Flow(i, random));
                if (server is not null && !all.Contains(server))
                {
                    throw new InvalidOperationException($"picked {server.Name}, which was never offered");
                }
            }
        })).ToArray();

        var updates = 0;
        var elapsed = Stopwatch.StartNew();
        while (!pickers.All(p => p.IsCompleted) && updates < 100_000 && elapsed.Elapsed < TimeSpan.FromSeconds(20))
        {
            selector.Update(subsets[updates++ % subsets.Length]);
        }

        await Task.WhenAll(pickers);
        Assert.True(updates > 0);
    }
}
