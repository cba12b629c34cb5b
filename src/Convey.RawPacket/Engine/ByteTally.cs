using System.Runtime.InteropServices;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The bytes one receive thread forwarded since it last published them into the frontends' and servers' counters.
/// They are published every <c>[passthrough] stats_update_frequency</c>, as the original Convey's packet workers
/// sent their counters to its stats: the per-packet path then writes memory of its own thread only, instead of
/// counters that every worker shares. Connection counts are not held back (balancing and limits read them).
/// Not thread-safe: one per receive thread.
/// </summary>
internal sealed class ByteTally
{
    private readonly Dictionary<(FrontendState Frontend, ServerState Server), (long ToServer, long ToClient)> _pending = [];
    private long _lastPublished;

    /// <summary>Bytes of a client's packet forwarded toward <paramref name="server"/>.</summary>
    public void AddToServer(FrontendState frontend, ServerState server, long bytes) =>
        CollectionsMarshal.GetValueRefOrAddDefault(_pending, (frontend, server), out _).ToServer += bytes;

    /// <summary>Bytes of <paramref name="server"/>'s packet forwarded back toward the client.</summary>
    public void AddToClient(FrontendState frontend, ServerState server, long bytes) =>
        CollectionsMarshal.GetValueRefOrAddDefault(_pending, (frontend, server), out _).ToClient += bytes;

    /// <summary>Publishes when <paramref name="interval"/> has passed since the last publication.</summary>
    public void PublishIfDue(TimeProvider time, TimeSpan interval)
    {
        var now = time.GetTimestamp();
        if (_lastPublished == 0)
        {
            _lastPublished = now;
        }
        else if (time.GetElapsedTime(_lastPublished, now) >= interval)
        {
            _lastPublished = now;
            Publish();
        }
    }

    /// <summary>Adds every held byte to its frontend's and server's counters and starts over.</summary>
    public void Publish()
    {
        foreach (var ((frontend, server), (toServer, toClient)) in _pending)
        {
            if (toServer > 0)
            {
                frontend.AddBytesToServer(toServer);
                server.AddBytesToServer(toServer);
            }

            if (toClient > 0)
            {
                server.AddBytesToClient(toClient);
                frontend.AddBytesToClient(toClient);
            }
        }

        _pending.Clear();
    }
}
