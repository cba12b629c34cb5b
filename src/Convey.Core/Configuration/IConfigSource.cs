using Microsoft.Extensions.Primitives;

namespace Convey.Configuration;

/// <summary>
/// Where configuration snapshots come from. The runtime loads once at start, then again each time the
/// reload token fires; a load that throws <see cref="ConfigException"/> is logged and counted, and the
/// last good configuration stays in force.
/// </summary>
public interface IConfigSource
{
    /// <summary>Loads and validates the current configuration.</summary>
    /// <exception cref="ConfigException">The configuration is invalid; nothing else is thrown for bad input.</exception>
    ValueTask<ConveyConfig> LoadAsync(CancellationToken cancellationToken);

    /// <summary>A token that fires once when the configuration may have changed; ask again after it fires.</summary>
    IChangeToken GetReloadToken();
}
