using System.Collections.Immutable;
using Convey.Configuration;

namespace Convey.Forwarding;

/// <summary>The live state as of the last applied configuration: frontends and pools by name.</summary>
public sealed class RuntimeSnapshot
{
    internal RuntimeSnapshot(ConveyConfig config, ImmutableDictionary<string, FrontendState> frontends, ImmutableDictionary<string, BackendPool> pools)
    {
        Config = config;
        Frontends = frontends;
        Pools = pools;
    }

    /// <summary>The state before any configuration was applied.</summary>
    internal static RuntimeSnapshot Empty { get; } = new(
        new ConveyConfig(),
        ImmutableDictionary.Create<string, FrontendState>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, BackendPool>(StringComparer.Ordinal));

    /// <summary>The configuration in force, as its source gave it (each frontend's effective mode is <see cref="FrontendState.Mode"/>).</summary>
    public ConveyConfig Config { get; }

    /// <summary>Live frontends by name.</summary>
    public ImmutableDictionary<string, FrontendState> Frontends { get; }

    /// <summary>Live pools by name.</summary>
    public ImmutableDictionary<string, BackendPool> Pools { get; }

    /// <summary>Frontends removed by a reload that still finish established flows; each leaves once its last flow has ended.</summary>
    public ImmutableArray<FrontendState> DrainingFrontends { get; internal init; } = [];

    /// <summary>Pools removed by a reload whose servers still carry flows; each leaves once its last flow has ended.</summary>
    internal ImmutableArray<BackendPool> RetiredPools { get; init; } = [];
}
