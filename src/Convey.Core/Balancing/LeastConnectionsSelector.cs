using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Balancing;

/// <summary>
/// Weighted least connections: the server with the fewest active connections per unit of weight, among those
/// that can take the flow. Ties, common when connections are short and the pool is idle, are broken at random
/// in proportion to weight, so an idle pool still shares flows by weight. Each pick reads every server's
/// counter: cost grows with the pool, but nothing is locked or allocated.
/// </summary>
internal sealed class LeastConnectionsSelector : IBackendSelector
{
    private WeightedServers _servers = WeightedServers.Empty;

    /// <inheritdoc />
    public void Update(ImmutableArray<ServerState> availableServers) =>
        Volatile.Write(ref _servers, WeightedServers.From(availableServers));

    /// <inheritdoc />
    public ServerState? Select(in FlowKey flow)
    {
        var servers = Volatile.Read(ref _servers);
        ServerState? best = null;
        long bestActive = 0, bestWeight = 1, tiedWeight = 0;
        for (var i = 0; i < servers.Count; i++)
        {
            var server = servers.Servers[i];
            if (!server.CanAccept)
            {
                continue;
            }

            long active = server.ActiveConnections, weight = servers.Weights[i];
            // active/weight against bestActive/bestWeight, without division.
            var order = best is null ? -1 : (active * bestWeight).CompareTo(bestActive * weight);
            if (order < 0)
            {
                (best, bestActive, bestWeight, tiedWeight) = (server, active, weight, weight);
            }
            else if (order == 0)
            {
                // Weighted reservoir sampling: after all ties, each tied server won with chance weight / tiedWeight.
                tiedWeight += weight;
                if (Random.Shared.NextInt64(tiedWeight) < weight)
                {
                    (best, bestActive, bestWeight) = (server, active, weight);
                }
            }
        }

        return best;
    }
}
