namespace Convey.Configuration;

/// <summary>
/// A part of the balancer that owns settings Convey's core does not interpret (<see cref="ConfigSettings"/>): a
/// forwarding engine, or the host's stats listener. Every configuration is checked by every owner before it is
/// applied and by <c>convey --check</c>; a key no owner claims is refused as unknown, with the nearest known key.
/// </summary>
public interface IConfigSettingsOwner
{
    /// <summary>Keys it reads in <see cref="FrontendConfig.Settings"/> (for example <c>dsr_method</c>).</summary>
    IReadOnlyCollection<string> FrontendKeys => [];

    /// <summary>Keys it reads in <see cref="BackendPoolConfig.Settings"/> (for example <c>send_proxy</c>).</summary>
    IReadOnlyCollection<string> PoolKeys => [];

    /// <summary>Top-level tables it reads in <see cref="ConveyConfig.Sections"/> (for example <c>stats</c>).</summary>
    IReadOnlyCollection<string> Sections => [];

    /// <summary>
    /// Checks its settings in <paramref name="config"/>, whose frontends all have their effective mode. Each error
    /// carries its key path (for example <c>frontends.web.dsr_method</c>) and says how to fix it; leave its line 0:
    /// the runtime places it in the file or configuration it came from.
    /// </summary>
    IEnumerable<ConfigError> Validate(ConveyConfig config) => [];
}
