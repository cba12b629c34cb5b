using System.Collections.Immutable;
using System.Net;
using Convey.Forwarding;
using Tomlyn.Model;

namespace Convey.Configuration.Toml;

/// <summary>
/// Maps a parsed TOML document onto <see cref="ConveyConfig"/>: every key of the schema, its type, its default.
/// A value that cannot be read is reported and replaced by a placeholder so that the rest of the file is still
/// checked; the placeholder never reaches the runtime because the whole file is then refused.
/// </summary>
internal static class ConveyConfigMapper
{
    private static readonly IPEndPoint Placeholder = new(IPAddress.None, 0);

    private static readonly Dictionary<string, ForwardingMode> Modes = new(StringComparer.Ordinal)
    {
        ["proxy"] = ForwardingMode.Proxy,
        ["passthrough"] = ForwardingMode.Passthrough,
        ["dsr"] = ForwardingMode.Dsr,
    };

    private static readonly Dictionary<string, DsrMethod> DsrMethods = new(StringComparer.Ordinal)
    {
        ["l3"] = DsrMethod.L3,
        ["l2"] = DsrMethod.L2,
    };

    private static readonly Dictionary<string, ProxyProtocolVersion> ProxyVersions = new(StringComparer.Ordinal)
    {
        ["none"] = ProxyProtocolVersion.None,
        ["v1"] = ProxyProtocolVersion.V1,
        ["v2"] = ProxyProtocolVersion.V2,
    };

    public static ConveyConfig Map(TomlTable root, ConfigReadContext context)
    {
        var document = new TomlSection(root, "", context, "frontends", "backends", "stats", "passthrough");
        var frontends = document.GetTable("frontends")?.GetNamedTables("frontend", FrontendKeys) ?? [];
        var backends = document.GetTable("backends")?.GetNamedTables("backend pool", PoolKeys) ?? [];
        var stats = document.GetTable("stats", "port", "listen_addr");
        var passthrough = document.GetTable("passthrough", "connection_tracker_capacity", "workers", "stats_update_frequency");
        document.ReportUnknownKeys();

        return new ConveyConfig
        {
            Source = context.Source,
            SourceMap = context.SourceMap,
            Frontends = [.. frontends.Select(f => ReadFrontend(f.Name, f.Section))],
            Backends = [.. backends.Select(b => ReadPool(b.Name, b.Section))],
            Stats = stats is null ? new StatsConfig() : ReadStats(stats),
            Passthrough = passthrough is null ? new PassthroughConfig() : ReadPassthrough(passthrough),
        };
    }

    private static readonly string[] FrontendKeys =
        ["listen_addr", "backend", "mode", "dsr_method", "connect_timeout", "idle_timeout", "drain_timeout", "max_connections", "manage_firewall", "reuse_port"];

    private static readonly string[] PoolKeys =
        ["servers", "health_check_interval", "health_check_timeout", "rise", "fall", "balance", "retries", "send_proxy", "resolve_interval"];

    private static FrontendConfig ReadFrontend(string name, TomlSection section)
    {
        var backend = section.GetString("backend");
        if (backend is null && !section.Contains("backend"))
        {
            section.ReportMissing("backend", "\"web_pool\" (the name of a [backends.NAME] table)");
        }

        var defaults = new FrontendConfig { Name = name, ListenEndPoint = Placeholder, Backend = "" };
        var frontend = defaults with
        {
            ListenEndPoint = ReadEndPoint(section, "listen_addr", "\"0.0.0.0:3000\""),
            Backend = backend ?? "",
            Mode = section.GetChoice("mode", Modes),
            DsrMethod = section.GetChoice("dsr_method", DsrMethods) ?? defaults.DsrMethod,
            ConnectTimeout = section.GetSeconds("connect_timeout") ?? defaults.ConnectTimeout,
            IdleTimeout = section.GetSeconds("idle_timeout") ?? defaults.IdleTimeout,
            DrainTimeout = section.GetSeconds("drain_timeout") ?? defaults.DrainTimeout,
            MaxConnections = section.GetInt("max_connections") ?? defaults.MaxConnections,
            ManageFirewall = section.GetBool("manage_firewall") ?? defaults.ManageFirewall,
            ReusePort = section.GetBool("reuse_port") ?? defaults.ReusePort,
        };
        section.ReportUnknownKeys();
        return frontend;
    }

    private static BackendPoolConfig ReadPool(string name, TomlSection section)
    {
        var servers = section.GetTable("servers")?.GetNamedTables("server", "addr", "weight", "max_connections") ?? [];
        var interval = section.GetSeconds("health_check_interval");
        var health = new HealthCheckConfig();
        health = health with
        {
            // The original Convey treats 0 as "use the default".
            Interval = interval is null || interval == TimeSpan.Zero ? health.Interval : interval.Value,
            Timeout = section.GetSeconds("health_check_timeout") ?? health.Timeout,
            Rise = section.GetInt("rise") ?? health.Rise,
            Fall = section.GetInt("fall") ?? health.Fall,
        };

        var balance = section.GetString("balance");
        if (balance is { Length: 0 })
        {
            section.Report("balance", "'balance' must name a balancing policy, for example \"round_robin\"; remove it to use the default.");
            balance = null;
        }

        var pool = new BackendPoolConfig
        {
            Name = name,
            Servers = [.. servers.Select(s => ReadServer(s.Name, s.Section))],
            HealthCheck = health,
            Balance = balance,
            Retries = section.GetInt("retries") ?? BackendPoolConfig.DefaultRetries,
            SendProxy = section.GetChoice("send_proxy", ProxyVersions) ?? ProxyProtocolVersion.None,
            ResolveInterval = section.GetSeconds("resolve_interval") ?? BackendPoolConfig.DefaultResolveInterval,
        };
        section.ReportUnknownKeys();
        return pool;
    }

    private static ServerConfig ReadServer(string name, TomlSection section)
    {
        var server = new ServerConfig
        {
            Name = name,
            Address = ReadServerAddress(section),
            Weight = section.GetInt("weight") ?? ServerConfig.DefaultWeight,
            MaxConnections = section.GetInt("max_connections") ?? 0,
        };
        section.ReportUnknownKeys();
        return server;
    }

    private static StatsConfig ReadStats(TomlSection section)
    {
        var port = section.GetInt("port", allowString: true);
        if (port is null && !section.Contains("port"))
        {
            section.ReportMissing("port", "7000");
        }

        var stats = new StatsConfig { Port = port };
        var listen = section.GetString("listen_addr");
        if (listen is not null)
        {
            if (AddressParser.TryParseAddress(listen, out var address))
            {
                stats = stats with { ListenAddress = address };
            }
            else
            {
                section.Report("listen_addr", $"\"{listen}\" is not an IP address; write for example \"127.0.0.1\" or \"::1\" (the port goes in 'port').");
            }
        }

        section.ReportUnknownKeys();
        return stats;
    }

    private static PassthroughConfig ReadPassthrough(TomlSection section)
    {
        var defaults = new PassthroughConfig();
        var passthrough = defaults with
        {
            ConnectionTrackerCapacity = section.GetInt("connection_tracker_capacity") ?? defaults.ConnectionTrackerCapacity,
            Workers = section.GetInt("workers") ?? defaults.Workers,
            StatsUpdateFrequency = section.GetSeconds("stats_update_frequency") ?? defaults.StatsUpdateFrequency,
        };
        section.ReportUnknownKeys();
        return passthrough;
    }

    private static IPEndPoint ReadEndPoint(TomlSection section, string key, string example) =>
        ReadAddress<IPEndPoint>(section, key, example, AddressParser.TryParseEndPoint);

    private static EndPoint ReadServerAddress(TomlSection section) =>
        ReadAddress<EndPoint>(section, "addr", "\"127.0.0.1:8080\" or \"db.internal:8080\"", AddressParser.TryParseServerAddress);

    private delegate bool AddressParse<T>(string text, out T address, out string error);

    private static T ReadAddress<T>(TomlSection section, string key, string example, AddressParse<T> parse)
        where T : EndPoint
    {
        var text = section.GetString(key);
        if (text is null)
        {
            if (!section.Contains(key))
            {
                section.ReportMissing(key, example);
            }

            return (T)(EndPoint)Placeholder;
        }

        if (parse(text, out var address, out var error))
        {
            return address;
        }

        section.Report(key, error);
        return (T)(EndPoint)Placeholder;
    }
}
