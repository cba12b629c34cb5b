using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Balancing;

/// <summary>
/// Power of two choices: draws two servers at random by weight and takes the one with fewer active connections
/// per unit of weight (the first on a tie). Nearly as even as least connections, at a constant cost whatever the
/// pool size. If the chosen server cannot take the flow, the other candidate is tried, then the next server
/// that can.
/// </summary>
internal sealed class PowerOfTwoChoicesSelector : IBackendSelector
{
    private WeightedServers _servers = WeightedServers.Empty;

    /// <inheritdoc />
    public void Update(ImmutableArray<ServerState> availableServers) =>
        Volatile.Write(ref _servers, WeightedServers.From(availableServers));

    /// <inheritdoc />
    public ServerState? Select(in FlowKey flow)
    {
        var servers = Volatile.Read(ref _servers);
        if (servers.Count == 0)
        {
            return null;
        }

        int first = servers.DrawIndex(), second = servers.DrawIndex();
        var (chosen, other) = LessLoaded(servers, second, first) ? (second, first) : (first, second);
        if (servers.Servers[chosen].CanAccept)
        {
            return servers.Servers[chosen];
        }

        return servers.Servers[other].CanAccept ? servers.Servers[other] : servers.FirstAcceptingFrom(chosen + 1);
    }

    // Whether a has fewer active connections per unit of weight than b, compared without division.
    private static bool LessLoaded(WeightedServers servers, int a, int b) =>
        servers.Servers[a].ActiveConnections * servers.Weights[b] < servers.Servers[b].ActiveConnections * servers.Weights[a];
}
