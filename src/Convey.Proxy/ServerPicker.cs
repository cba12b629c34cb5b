using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Proxy;

/// <summary>Chooses the server for a connection attempt, never one that already failed for this connection.</summary>
internal static class ServerPicker
{
    /// <summary>
    /// Asks the pool's selector; when it insists on a server that failed (a hashing policy maps the same flow
    /// to the same server), redispatches to the first other server that can take a connection, as HAProxy's
    /// <c>option redispatch</c> does.
    /// </summary>
    public static ServerState? Pick(BackendPool pool, in FlowKey flow, List<ServerState>? failed)
    {
        var server = pool.Select(flow);
        if (server is null || failed is null || !failed.Contains(server))
        {
            return server;
        }

        for (var i = 0; i < failed.Count; i++)
        {
            server = pool.Select(flow);
            if (server is not null && !failed.Contains(server))
            {
                return server;
            }
        }

        foreach (var candidate in pool.Servers)
        {
            if (candidate.CanAccept && !failed.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
