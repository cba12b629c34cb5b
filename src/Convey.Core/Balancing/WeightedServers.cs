using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Balancing;

/// <summary>
/// The servers a selector chooses among, with their weights captured when the pool last updated it.
/// Built off the hot path; read-only afterwards, so any number of threads may pick from it.
/// </summary>
internal sealed class WeightedServers
{
    private readonly long[] _cumulativeWeights;

    private WeightedServers(ServerState[] servers, int[] weights)
    {
        Servers = servers;
        Weights = weights;
        _cumulativeWeights = new long[weights.Length];
        long total = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            total += weights[i];
            _cumulativeWeights[i] = total;
        }

        TotalWeight = total;
    }

    /// <summary>No server at all.</summary>
    public static WeightedServers Empty { get; } = new([], []);

    /// <summary>The servers, in the order given (only those available with a weight above 0).</summary>
    public ServerState[] Servers { get; }

    /// <summary>Each server's weight, at the same index.</summary>
    public int[] Weights { get; }

    /// <summary>The sum of <see cref="Weights"/>.</summary>
    public long TotalWeight { get; }

    /// <summary>How many servers there are.</summary>
    public int Count => Servers.Length;

    /// <summary>Captures the servers that are available now. The pool already filters; this also guards direct callers.</summary>
    public static WeightedServers From(ImmutableArray<ServerState> available)
    {
        if (available.IsDefaultOrEmpty)
        {
            return Empty;
        }

        var servers = new List<ServerState>(available.Length);
        var weights = new List<int>(available.Length);
        foreach (var server in available)
        {
            var weight = server.Weight;
            if (server.IsAvailable && weight > 0)
            {
                servers.Add(server);
                weights.Add(weight);
            }
        }

        return servers.Count == 0 ? Empty : new WeightedServers([.. servers], [.. weights]);
    }

    /// <summary>A server index drawn at random with probability proportional to its weight. Requires servers.</summary>
    public int DrawIndex() => IndexOfDraw(Random.Shared.NextInt64(TotalWeight));

    /// <summary>
    /// The index a weighted draw lands on: <paramref name="draw"/> is in [0, <see cref="TotalWeight"/>) and
    /// each server owns a run of draws as long as its weight.
    /// </summary>
    public int IndexOfDraw(long draw)
    {
        var cumulative = _cumulativeWeights;
        int low = 0, high = cumulative.Length - 1;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (cumulative[middle] > draw)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }

    /// <summary>
    /// The first server from <paramref name="start"/> onwards (wrapping around) that can take a flow now,
    /// or null when none can: how every policy steps past a full or just-failed server.
    /// </summary>
    public ServerState? FirstAcceptingFrom(int start)
    {
        var servers = Servers;
        for (var i = 0; i < servers.Length; i++)
        {
            var index = start + i;
            if (index >= servers.Length)
            {
                index -= servers.Length;
            }

            if (servers[index].CanAccept)
            {
                return servers[index];
            }
        }

        return null;
    }
}
