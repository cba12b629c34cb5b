namespace Convey.Configuration;

/// <summary>Settings of the packet engine (<c>[passthrough]</c>), shared by passthrough and DSR frontends.</summary>
public sealed record PassthroughConfig
{
    /// <summary>Most flows tracked at once (<c>connection_tracker_capacity</c>); a full table evicts the least recently used.</summary>
    public int ConnectionTrackerCapacity { get; init; } = 1000;

    /// <summary>Receive threads (<c>workers</c>), spread with PACKET_FANOUT.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>How often packet counters are published (<c>stats_update_frequency</c>, seconds).</summary>
    public TimeSpan StatsUpdateFrequency { get; init; } = TimeSpan.FromSeconds(5);
}
