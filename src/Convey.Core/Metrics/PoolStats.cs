using System.Text.Json.Serialization;
using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>
/// The counters of one backend pool in a <see cref="StatsSnapshot"/>, summed over its servers. The first five
/// are the original Convey's keys; <c>tx</c> flows from clients toward the servers, <c>rx</c> from the servers back.
/// </summary>
public sealed class PoolStats
{
    [JsonConstructor]
    internal PoolStats()
    {
    }

    /// <summary>Connections or flows opened to its servers.</summary>
    [JsonInclude]
    public long TotalConnections { get; internal init; }

    /// <summary>Connections or flows open to its servers now.</summary>
    [JsonInclude]
    public long CurrentConnections { get; internal init; }

    /// <summary>Bytes sent to its servers (client toward server).</summary>
    [JsonInclude]
    [JsonPropertyName("bytes_tx")]
    public long BytesToServer { get; internal init; }

    /// <summary>Bytes received from its servers (server toward client).</summary>
    [JsonInclude]
    [JsonPropertyName("bytes_rx")]
    public long BytesToClient { get; internal init; }

    /// <summary>The original's map: each server's address to whether health checks consider it up.</summary>
    [JsonInclude]
    public IReadOnlyDictionary<string, bool> Servers { get; internal init; } = ImmutableSortedDictionary<string, bool>.Empty;

    /// <summary>The balancing policy in use.</summary>
    [JsonInclude]
    public string Policy { get; internal init; } = "";

    /// <summary>Whether a reload removed the pool and its servers only finish their established flows.</summary>
    [JsonInclude]
    public bool Draining { get; internal init; }

    /// <summary>Servers that may take new flows (healthy, not draining, weight above 0).</summary>
    [JsonInclude]
    public int HealthyServers { get; internal init; }

    /// <summary>Each server's full counters, by address.</summary>
    [JsonInclude]
    public IReadOnlyDictionary<string, ServerStats> ServerDetails { get; internal init; } = ImmutableSortedDictionary<string, ServerStats>.Empty;

    /// <summary>Servers given by host name (<c>name:port</c>) that yield no server now: the name never resolved, or to no usable address.</summary>
    [JsonInclude]
    public IReadOnlyList<string> Unresolved { get; internal init; } = [];

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
            BytesToServer = details.Values.Sum(s => s.BytesToServer),
            BytesToClient = details.Values.Sum(s => s.BytesToClient),
            Servers = health,
            Policy = pool.Policy,
            Draining = draining,
            HealthyServers = pool.Servers.Count(s => s.IsAvailable),
            ServerDetails = details,
            Unresolved = pool.UnresolvedServers,
        };
    }
}
