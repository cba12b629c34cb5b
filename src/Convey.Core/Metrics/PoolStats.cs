using System.Collections.Immutable;
using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>
/// The counters of one backend pool in a <see cref="StatsSnapshot"/>, summed over its servers. The first five
/// are the original Convey's keys; <c>tx</c> flows from clients toward the servers, <c>rx</c> from the servers back.
/// </summary>
public sealed record PoolStats
{
    /// <summary>Connections or flows opened to its servers.</summary>
    public long TotalConnections { get; init; }

    /// <summary>Connections or flows open to its servers now.</summary>
    public long CurrentConnections { get; init; }

    /// <summary>Bytes sent to its servers (client toward server).</summary>
    public long BytesTx { get; init; }

    /// <summary>Bytes received from its servers (server toward client).</summary>
    public long BytesRx { get; init; }

    /// <summary>The original's map: each server's address to whether health checks consider it up.</summary>
    public IReadOnlyDictionary<string, bool> Servers { get; init; } = ImmutableSortedDictionary<string, bool>.Empty;

    /// <summary>The balancing policy in use.</summary>
    public string Policy { get; init; } = "";

    /// <summary>Whether a reload removed the pool and its servers only finish their established flows.</summary>
    public bool Draining { get; init; }

    /// <summary>Servers that may take new flows (healthy, not draining, weight above 0).</summary>
    public int HealthyServers { get; init; }

    /// <summary>Each server's full counters, by address.</summary>
    public IReadOnlyDictionary<string, ServerStats> ServerDetails { get; init; } = ImmutableSortedDictionary<string, ServerStats>.Empty;

    /// <summary>Servers given by host name (<c>name:port</c>) that yield no server now: the name never resolved, or to no usable address.</summary>
    public IReadOnlyList<string> Unresolved { get; init; } = [];

    internal static PoolStats Capture(BackendPool pool, bool draining)
    {
        var details = new SortedDictionary<string, ServerStats>(StringComparer.Ordinal);
        foreach (var server in pool.Servers)
        {
            var stats = ServerStats.Capture(server);
            details[stats.Address] = stats;
        }

        var health = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (address, server) in details)
        {
            health.Add(address, server.Healthy);
        }

        return new PoolStats
        {
            TotalConnections = details.Values.Sum(s => s.TotalConnections),
            CurrentConnections = details.Values.Sum(s => s.CurrentConnections),
            BytesTx = details.Values.Sum(s => s.BytesTx),
            BytesRx = details.Values.Sum(s => s.BytesRx),
            Servers = health,
            Policy = pool.Policy,
            Draining = draining,
            HealthyServers = pool.Servers.Count(s => s.IsAvailable),
            ServerDetails = details,
            Unresolved = pool.UnresolvedServers,
        };
    }
}
