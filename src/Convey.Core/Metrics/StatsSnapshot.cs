using System.Text.Json.Serialization;
using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>
/// A point-in-time copy of the balancer's counters for a <c>/stats</c> page, shaped like the original Convey's:
/// totals over all frontends, then each backend pool (with the original's <c>servers</c> map of address to health,
/// plus one detailed entry per server) and each frontend; frontends and pools a reload removed stay listed,
/// draining, until their last flow ends. Serialise it with <see cref="StatsJson"/>.
/// Bytes by direction as the original counted them, everywhere: <c>tx</c> flows from clients toward servers,
/// <c>rx</c> from servers back toward clients.
/// </summary>
public sealed class StatsSnapshot
{
    [JsonConstructor]
    internal StatsSnapshot()
    {
    }

    /// <summary>Client connections or flows accepted since start, all frontends.</summary>
    [JsonInclude]
    public long TotalConnections { get; internal init; }

    /// <summary>Client connections or flows open now, all frontends.</summary>
    [JsonInclude]
    public long CurrentConnections { get; internal init; }

    /// <summary>Bytes received from clients (client toward server), all frontends.</summary>
    [JsonInclude]
    [JsonPropertyName("total_bytes_tx")]
    public long TotalBytesToServer { get; internal init; }

    /// <summary>Bytes sent to clients (server toward client), all frontends.</summary>
    [JsonInclude]
    [JsonPropertyName("total_bytes_rx")]
    public long TotalBytesToClient { get; internal init; }

    /// <summary>Each backend pool by name.</summary>
    [JsonInclude]
    [JsonPropertyName("backends")]
    public IReadOnlyDictionary<string, PoolStats> Pools { get; internal init; } = ImmutableSortedDictionary<string, PoolStats>.Empty;

    /// <summary>Each frontend by name.</summary>
    [JsonInclude]
    public IReadOnlyDictionary<string, FrontendStats> Frontends { get; internal init; } = ImmutableSortedDictionary<string, FrontendStats>.Empty;

    /// <summary>Client connections refused, all frontends.</summary>
    [JsonInclude]
    public long RefusedConnections { get; internal init; }

    /// <summary>Where the configuration in force was read from (for a file, its path).</summary>
    [JsonInclude]
    public string ConfigSource { get; internal init; } = "";

    /// <summary>The source's number for the configuration in force (etcd's revision of the key); null for sources without one.</summary>
    [JsonInclude]
    public long? ConfigRevision { get; internal init; }

    /// <summary>How the last reload ended; null until the first configuration was loaded.</summary>
    [JsonInclude]
    public ReloadStatus? LastReload { get; internal init; }

    /// <summary>How the instance announces its service address (<c>[announce]</c>); null when it announces nothing.</summary>
    [JsonInclude]
    public AnnounceStats? Announce { get; internal init; }

    /// <summary>Copies the counters of the runtime's current state.</summary>
    internal static StatsSnapshot Capture(ConveyRuntime runtime, ReloadStatus? lastReload = null, AnnounceStats? announce = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return Capture(runtime.Current, lastReload, announce);
    }

    /// <summary>Copies the counters of one live state, draining frontends and pools included.</summary>
    internal static StatsSnapshot Capture(RuntimeSnapshot snapshot, ReloadStatus? lastReload = null, AnnounceStats? announce = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        // Each frontend is read once, so the totals agree with the entries. A name a later reload brought back is
        // listed as the live frontend; the draining one's flows still count in the totals.
        var live = snapshot.Frontends.Select(f => (f.Key, Stats: FrontendStats.Capture(f.Value))).ToList();
        var draining = snapshot.DrainingFrontends.Select(f => (Key: f.Name, Stats: FrontendStats.Capture(f))).ToList();
        var frontends = new SortedDictionary<string, FrontendStats>(StringComparer.Ordinal);
        foreach (var (name, stats) in live.Concat(draining))
        {
            frontends.TryAdd(name, stats);
        }

        var pools = new SortedDictionary<string, PoolStats>(StringComparer.Ordinal);
        foreach (var (name, pool) in snapshot.Pools)
        {
            pools.Add(name, PoolStats.Capture(pool, draining: false));
        }

        foreach (var pool in snapshot.RetiredPools)
        {
            pools.TryAdd(pool.Name, PoolStats.Capture(pool, draining: true));
        }

        var all = live.Concat(draining).Select(f => f.Stats).ToList();
        return new StatsSnapshot
        {
            TotalConnections = all.Sum(f => f.TotalConnections),
            CurrentConnections = all.Sum(f => f.CurrentConnections),
            TotalBytesToServer = all.Sum(f => f.BytesToServer),
            TotalBytesToClient = all.Sum(f => f.BytesToClient),
            Pools = pools,
            Frontends = frontends,
            RefusedConnections = all.Sum(f => f.RefusedConnections),
            ConfigSource = snapshot.Config.Source,
            ConfigRevision = snapshot.Config.Revision,
            LastReload = lastReload,
            Announce = announce,
        };
    }
}
