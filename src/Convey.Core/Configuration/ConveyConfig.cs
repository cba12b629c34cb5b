using System.Collections.Immutable;
using Convey.Configuration.Toml;

namespace Convey.Configuration;

/// <summary>
/// One immutable configuration snapshot: what the balancer listens on, where it sends flows, and how.
/// Produced by an <see cref="IConfigSource"/>; applied as a whole or not at all.
/// </summary>
public sealed record ConveyConfig
{
    /// <summary>Listeners, each bound to one backend pool.</summary>
    public ImmutableArray<FrontendConfig> Frontends { get; init; } = [];

    /// <summary>Backend pools referenced by frontends.</summary>
    public ImmutableArray<BackendPoolConfig> Backends { get; init; } = [];

    /// <summary>The stats endpoint; <see cref="StatsConfig.Port"/> is null when none is configured.</summary>
    public StatsConfig Stats { get; init; } = new();

    /// <summary>Settings of the packet engine (passthrough and DSR).</summary>
    public PassthroughConfig Passthrough { get; init; } = new();

    /// <summary>Where this snapshot came from (a file path, "in-memory"), used in messages.</summary>
    public string Source { get; init; } = "in-memory";

    /// <summary>Where each key was written, when the snapshot was read from a file; places errors found after reading.</summary>
    internal ConfigSourceMap? SourceMap { get; init; }
}
