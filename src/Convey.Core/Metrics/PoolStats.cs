using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>The counters of one backend pool in a <see cref="StatsSnapshot"/>, summed over its servers.</summary>
/// <param name="Policy">The balancing policy in use.</param>
/// <param name="CurrentConnections">Connections or flows open to its servers now.</param>
/// <param name="TotalConnections">Connections or flows opened to its servers.</param>
/// <param name="BytesIn">Bytes received from its servers.</param>
/// <param name="BytesOut">Bytes sent to its servers.</param>
/// <param name="HealthyServers">Servers that may take new flows (healthy, not draining, weight above 0).</param>
/// <param name="Servers">The seed's map: each server's address to whether health checks consider it up.</param>
/// <param name="ServerDetails">Each server's full counters, by address.</param>
public sealed record PoolStats(
    string Policy,
    long CurrentConnections,
    long TotalConnections,
    long BytesIn,
    long BytesOut,
    int HealthyServers,
    IReadOnlyDictionary<string, bool> Servers,
    IReadOnlyDictionary<string, ServerStats> ServerDetails)
{
    internal static PoolStats Capture(BackendPool pool)
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

        return new PoolStats(
            pool.Policy,
            details.Values.Sum(s => s.CurrentConnections),
            details.Values.Sum(s => s.TotalConnections),
            details.Values.Sum(s => s.BytesIn),
            details.Values.Sum(s => s.BytesOut),
            pool.Servers.Count(s => s.IsAvailable),
            health,
            details);
    }
}
