using System.Collections.Immutable;
using Convey.Configuration;

namespace Convey.Runtime;

/// <summary>The live state as of the last applied configuration: frontends and pools by name.</summary>
/// <param name="Config">The configuration in force.</param>
/// <param name="Frontends">Live frontends by name.</param>
/// <param name="Pools">Live pools by name.</param>
public sealed record RuntimeSnapshot(
    ConveyConfig Config,
    ImmutableDictionary<string, FrontendState> Frontends,
    ImmutableDictionary<string, BackendPool> Pools)
{
    /// <summary>The state before any configuration was applied.</summary>
    public static RuntimeSnapshot Empty { get; } = new(
        new ConveyConfig(),
        ImmutableDictionary.Create<string, FrontendState>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, BackendPool>(StringComparer.Ordinal));

    /// <summary>Frontends removed by a reload that still finish established flows; each leaves once its last flow has ended.</summary>
    public ImmutableArray<FrontendState> DrainingFrontends { get; init; } = [];

    /// <summary>Pools removed by a reload whose servers still carry flows; each leaves once its last flow has ended.</summary>
    public ImmutableArray<BackendPool> RetiredPools { get; init; } = [];
}
