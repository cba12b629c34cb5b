using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Balancing;

/// <summary>
/// Smooth weighted round-robin, NGINX's algorithm: each pick adds every server's weight to its current
/// score, takes the highest, and subtracts the total from it. Equal weights give plain round-robin, and
/// heavy servers are interleaved rather than picked in bursts.
/// </summary>
public sealed class RoundRobinSelector : IBackendSelector
{
    private State _state = new([], [], 0);

    /// <inheritdoc />
    public void Update(ImmutableArray<ServerState> availableServers)
    {
        var weights = new int[availableServers.Length];
        long total = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = availableServers[i].Weight;
            total += weights[i];
        }

        Volatile.Write(ref _state, new State(availableServers, weights, total));
    }

    /// <inheritdoc />
    public ServerState? Select(in FlowKey flow)
    {
        var state = Volatile.Read(ref _state);
        var servers = state.Servers;
        if (servers.IsEmpty)
        {
            return null;
        }

        // Scores change on every pick; a short lock per pick keeps them exact and is uncontended in practice.
        lock (state)
        {
            for (var attempt = 0; attempt < servers.Length; attempt++)
            {
                var best = -1;
                for (var i = 0; i < servers.Length; i++)
                {
                    state.Current[i] += state.Weights[i];
                    if (best < 0 || state.Current[i] > state.Current[best])
                    {
                        best = i;
                    }
                }

                state.Current[best] -= state.Total;
                if (servers[best].CanAccept)
                {
                    return servers[best];
                }
            }
        }

        return null;
    }

    private sealed class State(ImmutableArray<ServerState> servers, int[] weights, long total)
    {
        public ImmutableArray<ServerState> Servers { get; } = servers;

        public int[] Weights { get; } = weights;

        public long Total { get; } = total;

        public long[] Current { get; } = new long[servers.Length];
    }
}
