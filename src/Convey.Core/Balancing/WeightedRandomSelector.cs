using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Balancing;

/// <summary>
/// Weighted random choice: each server's chance is its weight over the pool's total. Needs no shared state
/// between picks at all (the thread-safe <see cref="Random.Shared"/> draws without allocating). A server that
/// cannot take the flow is skipped for the next one that can.
/// </summary>
internal sealed class WeightedRandomSelector : IBackendSelector
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

        var index = servers.DrawIndex();
        var server = servers.Servers[index];
        return server.CanAccept ? server : servers.FirstAcceptingFrom(index + 1);
    }
}
