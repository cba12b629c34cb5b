using System.Collections.Immutable;
using System.Net;
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

    public static ConveyConfig Map(TomlTable root, ConfigReadContext context)
    {
        var document = new TomlSection(root, "", context, "frontends", "backends");
        var frontends = document.GetTable("frontends")?.GetNamedTables("frontend", FrontendKeys) ?? [];
        var backends = document.GetTable("backends")?.GetNamedTables("backend pool", PoolKeys) ?? [];
        var sections = ImmutableDictionary.CreateBuilder<string, ConfigSettings>(StringComparer.Ordinal);
        foreach (var (name, value) in root)
        {
            if (name is "frontends" or "backends")
            {
                continue;
            }

            if (value is TomlTable)
            {
                sections.Add(name, document.GetTable(name)!.OtherKeys());
            }
            else
            {
                document.Report(name, $"unknown key '{name}': at the top of the file only tables belong ([frontends.NAME], [backends.NAME], [stats], ...); move it into the table it belongs to.");
            }
        }

        return new ConveyConfig
        {
            Source = context.Source,
            SourceMap = context.SourceMap,
            Frontends = [.. frontends.Select(f => ReadFrontend(f.Name, f.Section))],
            Pools = [.. backends.Select(b => ReadPool(b.Name, b.Section))],
            Sections = sections.ToImmutable(),
        };
    }

    /// <summary>The keys of a frontend Core reads itself; the others go to <see cref="FrontendConfig.Settings"/>.</summary>
    internal static readonly string[] FrontendKeys =
        ["listen_addr", "backend", "mode", "protocol", "connect_timeout", "idle_timeout", "drain_timeout", "max_connections"];

    /// <summary>The keys of a pool Core reads itself; the others go to <see cref="BackendPoolConfig.Settings"/>.</summary>
    internal static readonly string[] PoolKeys =
        [
            "servers", "health_check", "health_check_interval", "health_check_timeout", "health_check_port", "health_check_send",
            "health_check_expect", "rise", "fall", "balance", "retries", "resolve_interval",
        ];

    private static readonly Dictionary<string, FrontendProtocol> Protocols = new(StringComparer.Ordinal)
    {
        ["tcp"] = FrontendProtocol.Tcp,
        ["udp"] = FrontendProtocol.Udp,
    };

    private static readonly Dictionary<string, HealthCheckKind> HealthChecks = new(StringComparer.Ordinal)
    {
        ["none"] = HealthCheckKind.None,
        ["tcp"] = HealthCheckKind.Tcp,
        ["udp"] = HealthCheckKind.Udp,
    };

    private static FrontendConfig ReadFrontend(string name, TomlSection section)
    {
        var backend = section.GetString("backend");
        if (backend is null && !section.Contains("backend"))
        {
            section.ReportMissing("backend", "\"web_pool\" (the name of a [backends.NAME] table)");
        }

        var mode = section.GetString("mode");
        if (mode is not null && string.IsNullOrWhiteSpace(mode))
        {
            section.Report("mode", "'mode' must name a forwarding mode, for example \"proxy\"; remove it to use the host's default.");
            mode = null;
        }

        var protocol = ReadChoice(section, "protocol", Protocols) ?? FrontendProtocol.Tcp;
        var defaults = new FrontendConfig { Name = name, ListenEndPoint = Placeholder, Pool = "", Protocol = protocol };
        var frontend = defaults with
        {
            ListenEndPoint = ReadEndPoint(section, "listen_addr", "\"0.0.0.0:3000\""),
            Pool = backend ?? "",
            Mode = mode?.Trim().ToLowerInvariant(),
            ConnectTimeout = section.GetSeconds("connect_timeout") ?? defaults.ConnectTimeout,
            DrainTimeout = section.GetSeconds("drain_timeout") ?? defaults.DrainTimeout,
            MaxConnections = section.GetInt("max_connections") ?? defaults.MaxConnections,
            Settings = section.OtherKeys(),
        };

        // Unset, the idle timeout follows the protocol (30 s for UDP), also when a program later changes the protocol.
        return section.GetSeconds("idle_timeout") is { } idle ? frontend with { IdleTimeout = idle } : frontend;
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
            Kind = ReadChoice(section, "health_check", HealthChecks),
            Port = section.GetInt("health_check_port") ?? 0,
            Send = section.GetString("health_check_send") ?? "",
            Expect = section.GetString("health_check_expect") ?? "",
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
            ResolveInterval = section.GetSeconds("resolve_interval") ?? BackendPoolConfig.DefaultResolveInterval,
            Settings = section.OtherKeys(),
        };
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

    /// <summary>Reads a key whose value is one of a few names (case-insensitive); another value is reported with the choices.</summary>
    private static T? ReadChoice<T>(TomlSection section, string key, Dictionary<string, T> choices)
        where T : struct
    {
        var text = section.GetString(key);
        if (text is null)
        {
            return null;
        }

        if (choices.TryGetValue(text.Trim().ToLowerInvariant(), out var value))
        {
            return value;
        }

        section.Report(key, $"'{key}' must be one of {string.Join(", ", choices.Keys.Select(k => $"\"{k}\""))}, not \"{text}\".");
        return null;
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
