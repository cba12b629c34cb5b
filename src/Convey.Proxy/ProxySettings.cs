using Convey.Configuration;
using Convey.Proxy.Inspection.Sni;
using Convey.Proxy.ProxyProtocol;

namespace Convey.Proxy;

/// <summary>
/// The settings the proxy engine owns beyond Core's: <c>reuse_port</c>, <c>accept_proxy</c>, the <c>sni</c> table and
/// <c>no_client_hello</c> on a frontend, <c>send_proxy</c> on a pool. Read once per settings object
/// (<see cref="ConfigSettings"/> never change), so a connection reads them for free.
/// </summary>
internal static class ProxySettings
{
    public const string ReusePortKey = "reuse_port";
    public const string SendProxyKey = "send_proxy";
    public const string AcceptProxyKey = "accept_proxy";
    public const string SniKey = "sni";
    public const string NoClientHelloKey = "no_client_hello";

    private static readonly Dictionary<string, ProxyProtocolVersion> Versions = new(StringComparer.Ordinal)
    {
        ["none"] = ProxyProtocolVersion.None,
        ["v1"] = ProxyProtocolVersion.V1,
        ["v2"] = ProxyProtocolVersion.V2,
    };

    private static readonly Dictionary<string, NoClientHelloAction> NoClientHelloActions = new(StringComparer.Ordinal)
    {
        ["fallback"] = NoClientHelloAction.Fallback,
        ["reject"] = NoClientHelloAction.Reject,
    };

    /// <summary>
    /// Whether the frontend's listener sets <c>SO_REUSEPORT</c>, so several processes may listen on its address and
    /// the kernel spreads connections among them; off by default, so a second process on a taken address fails to bind.
    /// </summary>
    public static bool ReusePort(FrontendConfig frontend) => Read(frontend).ReusePort;

    /// <summary>Whether the frontend's clients come through an upstream that sends a PROXY header first.</summary>
    public static bool AcceptProxy(FrontendConfig frontend) => Read(frontend).AcceptProxy;

    /// <summary>The frontend's SNI routing, or null when it has no <c>[frontends.NAME.sni]</c> table.</summary>
    public static SniInspector? Sni(FrontendConfig frontend) => Read(frontend).Sni;

    /// <summary>The PROXY protocol header the pool's servers get before the client's bytes.</summary>
    public static ProxyProtocolVersion SendProxy(BackendPoolConfig pool) => pool.Settings.Parsed(Pool.Read).SendProxy;

    /// <summary>Checks the proxy settings of every frontend and pool that has them.</summary>
    public static IEnumerable<ConfigError> Validate(ConveyConfig config)
    {
        var errors = new List<ConfigError>();
        var pools = config.Pools.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var frontend in config.Frontends)
        {
            var reader = SettingsReader.ForFrontend(frontend, config.Source, errors);
            reader.GetBool(ReusePortKey, false);
            reader.GetBool(AcceptProxyKey, false);
            var routes = ReadSni(frontend.Settings, reader, pools);
            if (reader.Contains(NoClientHelloKey))
            {
                reader.GetChoice(NoClientHelloKey, NoClientHelloActions, NoClientHelloAction.Fallback);
                if (routes is null)
                {
                    reader.Report(NoClientHelloKey, $"no_client_hello applies to SNI routing only; add a [frontends.{frontend.Name}.sni] table or remove it.");
                }
            }

            foreach (var key in new[] { AcceptProxyKey, SniKey })
            {
                if (!frontend.Settings.Keys.Any(k => k == key || k.StartsWith(key + ":", StringComparison.Ordinal)))
                {
                    continue;
                }

                if (frontend.Mode is { } mode && mode != ProxyEngine.Mode)
                {
                    reader.Report(key, $"{key} needs mode = \"proxy\" (this frontend's mode is \"{mode}\"): the packet modes forward packets without reading a connection's bytes.");
                }
                else if (frontend.Protocol == FrontendProtocol.Udp)
                {
                    reader.Report(key, $"{key} reads the first bytes of a TCP connection; a UDP frontend (protocol = \"udp\") has none, so it would be ignored. Remove it, or serve these clients on a TCP frontend.");
                }
            }
        }

        foreach (var pool in config.Pools)
        {
            var reader = SettingsReader.ForPool(pool, config.Source, errors);
            if (reader.GetChoice(SendProxyKey, Versions, ProxyProtocolVersion.None) != ProxyProtocolVersion.None
                && config.Frontends.FirstOrDefault(f => f.Protocol == FrontendProtocol.Udp && f.Pool == pool.Name) is { } udp)
            {
                reader.Report(SendProxyKey, $"send_proxy writes a PROXY header at the start of a TCP connection, but the UDP frontend '{udp.Name}' uses pool '{pool.Name}': its datagrams would reach the servers without one. Give the UDP frontend a pool of its own without send_proxy.");
            }
        }

        return errors;
    }

    private static Frontend Read(FrontendConfig frontend) => frontend.Settings.Parsed(Frontend.Read);

    /// <summary>
    /// The <c>sni</c> table (flattened to <c>sni:NAME</c> keys): names or <c>*.</c> wildcards to pool names; null when
    /// there is none. With <paramref name="pools"/>, every pool named must be one of them.
    /// </summary>
    private static SniRoutes? ReadSni(ConfigSettings settings, SettingsReader reader, IReadOnlySet<string>? pools)
    {
        var routes = new Dictionary<string, string>(StringComparer.Ordinal);
        var found = false;
        foreach (var (key, pool) in settings)
        {
            if (key == SniKey)
            {
                reader.Report(SniKey, "sni must be a table of server names to pools, for example [frontends.NAME.sni] with \"api.example.com\" = \"api_pool\" and \"*.example.com\" = \"web_pool\".");
                continue;
            }

            if (!key.StartsWith(SniKey + ":", StringComparison.Ordinal))
            {
                continue;
            }

            found = true;
            var name = key[(SniKey.Length + 1)..];
            var path = $"{SniKey}.\"{name.Replace(":", ".", StringComparison.Ordinal)}\"";
            if (name.Contains(':', StringComparison.Ordinal))
            {
                reader.Report(path, "a server name with dots must be written in quotes (\"api.example.com\" = \"pool\"); unquoted, TOML reads it as nested tables.");
                continue;
            }

            var lower = name.ToLowerInvariant();
            var host = lower.StartsWith("*.", StringComparison.Ordinal) ? lower[2..] : lower;
            if (!HostNameSyntax.IsValid(host) || host.EndsWith('.'))
            {
                reader.Report(path, $"'{name}' is not a server name: write a DNS name (\"api.example.com\") or a wildcard of one (\"*.example.com\"), without a final dot.");
                continue;
            }

            if (pools is not null && !pools.Contains(pool))
            {
                reader.Report(path, $"the pool '{pool}' does not exist; define [backends.{pool}] or route '{name}' to an existing pool ({string.Join(", ", pools.Order(StringComparer.Ordinal))}).");
                continue;
            }

            if (!routes.TryAdd(lower, pool))
            {
                reader.Report(path, $"'{name}' is routed twice (names are compared without regard to case).");
            }
        }

        return found ? new SniRoutes(routes) : null;
    }

    private sealed record Frontend(bool ReusePort, bool AcceptProxy, SniInspector? Sni)
    {
        public static Frontend Read(ConfigSettings settings)
        {
            var reader = new SettingsReader(settings, "", "");
            var routes = ReadSni(settings, reader, pools: null);
            var sni = routes is null ? null : new SniInspector(routes, reader.GetChoice(NoClientHelloKey, NoClientHelloActions, NoClientHelloAction.Fallback));
            return new(reader.GetBool(ReusePortKey, false), reader.GetBool(AcceptProxyKey, false), sni);
        }
    }

    private sealed record Pool(ProxyProtocolVersion SendProxy)
    {
        public static Pool Read(ConfigSettings settings) =>
            new(new SettingsReader(settings, "", "").GetChoice(SendProxyKey, Versions, ProxyProtocolVersion.None));
    }
}
