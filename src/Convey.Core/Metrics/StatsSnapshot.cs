using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>
/// A point-in-time copy of the balancer's counters for a <c>/stats</c> page, shaped like the original Convey's:
/// totals over all frontends, then each backend pool (with the seed's <c>servers</c> map of address to health,
/// plus one detailed entry per server) and each frontend. Serialise it with <see cref="StatsJson"/>.
/// Totals count client traffic: <c>tx</c> is sent to clients, <c>rx</c> received from them.
/// </summary>
/// <param name="TotalConnections">Client connections or flows accepted since start, all frontends.</param>
/// <param name="CurrentConnections">Client connections or flows open now, all frontends.</param>
/// <param name="TotalBytesTx">Bytes sent to clients, all frontends.</param>
/// <param name="TotalBytesRx">Bytes received from clients, all frontends.</param>
/// <param name="RefusedConnections">Client connections refused, all frontends.</param>
/// <param name="Backends">Each backend pool by name.</param>
/// <param name="Frontends">Each frontend by name.</param>
public sealed record StatsSnapshot(
    long TotalConnections,
    long CurrentConnections,
    long TotalBytesTx,
    long TotalBytesRx,
    long RefusedConnections,
    IReadOnlyDictionary<string, PoolStats> Backends,
    IReadOnlyDictionary<string, FrontendStats> Frontends)
{
    /// <summary>Copies the counters of the runtime's current state.</summary>
    public static StatsSnapshot Capture(ConveyRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return Capture(runtime.Current);
    }

    /// <summary>Copies the counters of one live state.</summary>
    public static StatsSnapshot Capture(RuntimeSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var frontends = new SortedDictionary<string, FrontendStats>(StringComparer.Ordinal);
        foreach (var (name, frontend) in snapshot.Frontends)
        {
            frontends.Add(name, FrontendStats.Capture(frontend));
        }

        var pools = new SortedDictionary<string, PoolStats>(StringComparer.Ordinal);
        foreach (var (name, pool) in snapshot.Pools)
        {
            pools.Add(name, PoolStats.Capture(pool));
        }

        return new StatsSnapshot(
            frontends.Values.Sum(f => f.TotalConnections),
            frontends.Values.Sum(f => f.CurrentConnections),
            frontends.Values.Sum(f => f.BytesOut),
            frontends.Values.Sum(f => f.BytesIn),
            frontends.Values.Sum(f => f.RefusedConnections),
            pools,
            frontends);
    }
}
