using Convey.Configuration;
using Convey.Proxy.ProxyProtocol;

namespace Convey.Proxy;

/// <summary>
/// The settings the proxy engine owns beyond Core's: <c>reuse_port</c> on a frontend and <c>send_proxy</c> on a pool.
/// Read once per settings object (<see cref="ConfigSettings"/> never change), so a connection reads them for free.
/// </summary>
internal static class ProxySettings
{
    public const string ReusePortKey = "reuse_port";
    public const string SendProxyKey = "send_proxy";

    private static readonly Dictionary<string, ProxyProtocolVersion> Versions = new(StringComparer.Ordinal)
    {
        ["none"] = ProxyProtocolVersion.None,
        ["v1"] = ProxyProtocolVersion.V1,
        ["v2"] = ProxyProtocolVersion.V2,
    };

    /// <summary>
    /// Whether the frontend's listener sets <c>SO_REUSEPORT</c>, so several processes may listen on its address and
    /// the kernel spreads connections among them; off by default, so a second process on a taken address fails to bind.
    /// </summary>
    public static bool ReusePort(FrontendConfig frontend) => frontend.Settings.Parsed(Frontend.Read).ReusePort;

    /// <summary>The PROXY protocol header the pool's servers get before the client's bytes.</summary>
    public static ProxyProtocolVersion SendProxy(BackendPoolConfig pool) => pool.Settings.Parsed(Pool.Read).SendProxy;

    /// <summary>Checks the proxy settings of every frontend and pool that has them.</summary>
    public static IEnumerable<ConfigError> Validate(ConveyConfig config)
    {
        var errors = new List<ConfigError>();
        foreach (var frontend in config.Frontends)
        {
            SettingsReader.ForFrontend(frontend, config.Source, errors).GetBool(ReusePortKey, false);
        }

        foreach (var pool in config.Pools)
        {
            SettingsReader.ForPool(pool, config.Source, errors).GetChoice(SendProxyKey, Versions, ProxyProtocolVersion.None);
        }

        return errors;
    }

    private sealed record Frontend(bool ReusePort)
    {
        public static Frontend Read(ConfigSettings settings) => new(new SettingsReader(settings, "", "").GetBool(ReusePortKey, false));
    }

    private sealed record Pool(ProxyProtocolVersion SendProxy)
    {
        public static Pool Read(ConfigSettings settings) =>
            new(new SettingsReader(settings, "", "").GetChoice(SendProxyKey, Versions, ProxyProtocolVersion.None));
    }
}
