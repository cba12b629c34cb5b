using Convey.Configuration;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The settings the packet engine owns beyond Core's: <c>dsr_method</c>, <c>manage_firewall</c> and <c>interface</c> on a
/// frontend, and the <c>[passthrough]</c> table (tracker size, receive threads, how often counters are published, the
/// frame I/O path, the default <c>interface</c>, the firewall's grace after a stop, the rate of resets for untracked segments,
/// the AF_XDP path's fast path). Each settings object is read once (<see cref="ConfigSettings"/> never change).
/// </summary>
internal static class PacketSettings
{
    public const string PassthroughMode = "passthrough";
    public const string DsrMode = "dsr";
    public const string DsrMethodKey = "dsr_method";
    public const string ManageFirewallKey = "manage_firewall";
    public const string InterfaceKey = "interface";
    public const string Section = "passthrough";
    public const string TrackerCapacityKey = "connection_tracker_capacity";
    public const string WorkersKey = "workers";
    public const string StatsUpdateFrequencyKey = "stats_update_frequency";
    public const string PacketPathKey = "packet_path";
    public const string RestartGraceKey = "restart_grace";
    public const string ResetRateKey = "reset_rate";
    public const string FastPathKey = "fast_path";

    /// <summary>The AF_PACKET path's name, in <c>packet_path</c>, logs and <c>/stats</c>.</summary>
    public const string AfPacketPath = "af_packet";

    /// <summary>The AF_XDP path's name, in <c>packet_path</c>, logs and <c>/stats</c>.</summary>
    public const string AfXdpPath = "af_xdp";

    /// <summary>The AF_XDP path with its in-kernel TC fast path for established flows, in logs and <c>/stats</c>.</summary>
    public const string AfXdpFastPath = "af_xdp+tc";

    /// <summary>Largest <see cref="Engine.Workers"/>.</summary>
    public const int MaxWorkers = 256;

    /// <summary>Longest <see cref="Engine.RestartGrace"/>, in seconds.</summary>
    public const int MaxRestartGrace = 3600;

    /// <summary>Largest <see cref="Engine.ResetRate"/>, per second.</summary>
    public const int MaxResetRate = 1_000_000;

    /// <summary>Largest <see cref="Engine.TrackerCapacity"/>.</summary>
    public const int MaxTrackerCapacity = 16_777_216;

    private static readonly Dictionary<string, DsrMethod> DsrMethods = new(StringComparer.Ordinal)
    {
        ["l3"] = DsrMethod.L3,
        ["l2"] = DsrMethod.L2,
    };

    private static readonly Dictionary<string, PacketPath> PacketPaths = new(StringComparer.Ordinal)
    {
        ["auto"] = PacketPath.Auto,
        [AfXdpPath] = PacketPath.AfXdp,
        [AfPacketPath] = PacketPath.AfPacket,
    };

    /// <summary>The packet mode of <paramref name="mode"/>, or null when it is not one the packet engine serves.</summary>
    public static PacketMode? ModeOf(string? mode) => mode switch
    {
        PassthroughMode => PacketMode.Passthrough,
        DsrMode => PacketMode.Dsr,
        _ => null,
    };

    /// <summary>How a DSR frontend reaches its servers (<c>dsr_method</c>, <c>l3</c> unless set).</summary>
    public static DsrMethod DsrMethodOf(FrontendConfig frontend) => frontend.Settings.Parsed(FrontendSettings.Read).DsrMethod;

    /// <summary>Whether the engine installs the frontend's nftables rules itself (<c>manage_firewall</c>, on unless set).</summary>
    public static bool ManageFirewall(FrontendConfig frontend) => frontend.Settings.Parsed(FrontendSettings.Read).ManageFirewall;

    /// <summary>
    /// The interface a frontend's packets are taken on (its <c>interface</c>, else <c>[passthrough] interface</c>), or null
    /// for every interface that is up except loopback.
    /// </summary>
    public static string? InterfaceOf(FrontendConfig frontend, Engine engine) => frontend.Settings.Parsed(FrontendSettings.Read).Interface ?? engine.Interface;

    /// <summary>The <c>[passthrough]</c> table of <paramref name="config"/>, with defaults for what it leaves out.</summary>
    public static Engine EngineOf(ConveyConfig config) => Engine.Read(SettingsReader.ForSection(config, Section));

    /// <summary>Checks the packet settings of every frontend and the <c>[passthrough]</c> table.</summary>
    public static List<ConfigError> Validate(ConveyConfig config)
    {
        var errors = new List<ConfigError>();
        foreach (var frontend in config.Frontends)
        {
            FrontendSettings.Read(SettingsReader.ForFrontend(frontend, config.Source, errors));
        }

        Engine.Read(SettingsReader.ForSection(config, Section, errors));
        return errors;
    }

    /// <summary>The <c>[passthrough]</c> table.</summary>
    /// <param name="TrackerCapacity">Most flows tracked at once (<c>connection_tracker_capacity</c>); a full table evicts the least recently used.</param>
    /// <param name="Workers">Receive threads (<c>workers</c>), spread with PACKET_FANOUT.</param>
    /// <param name="StatsUpdateFrequency">How often packet counters are published (<c>stats_update_frequency</c>, seconds).</param>
    /// <param name="PacketPath">Which frame I/O path to use (<c>packet_path</c>: <c>auto</c> unless set).</param>
    /// <param name="Interface">Where frontends without an <c>interface</c> of their own take their packets (<c>interface</c>); null: every interface that is up except loopback.</param>
    /// <param name="RestartGrace">
    /// How long after a stop the kernel still drops the frontends' packets (<c>restart_grace</c>, whole seconds, 0 to
    /// remove the firewall table at once), so a restart does not let it reset their flows.
    /// </param>
    /// <param name="ResetRate">
    /// Most resets per second answering passthrough segments of flows the engine does not track (<c>reset_rate</c>; 0
    /// drops them unanswered).
    /// </param>
    /// <param name="FastPath">Whether the AF_XDP path forwards established flows in the kernel with its TC program (<c>fast_path</c>, on unless set).</param>
    internal sealed record Engine(
        int TrackerCapacity, int Workers, TimeSpan StatsUpdateFrequency, PacketPath PacketPath, string? Interface, TimeSpan RestartGrace, int ResetRate, bool FastPath)
    {
        public static Engine Read(SettingsReader reader) => new(
            reader.GetInt(TrackerCapacityKey, 1000, min: 1, max: MaxTrackerCapacity),
            reader.GetInt(WorkersKey, 4, min: 1, max: MaxWorkers),
            reader.GetSeconds(StatsUpdateFrequencyKey, TimeSpan.FromSeconds(5)),
            reader.GetChoice(PacketPathKey, PacketPaths, PacketPath.Auto),
            ReadInterface(reader),
            TimeSpan.FromSeconds(reader.GetInt(RestartGraceKey, 0, min: 0, max: MaxRestartGrace)),
            reader.GetInt(ResetRateKey, ResetRateLimit.DefaultRate, min: 0, max: MaxResetRate),
            reader.GetBool(FastPathKey, true));
    }

    private sealed record FrontendSettings(DsrMethod DsrMethod, bool ManageFirewall, string? Interface)
    {
        public static FrontendSettings Read(ConfigSettings settings) => Read(new SettingsReader(settings, "", ""));

        public static FrontendSettings Read(SettingsReader reader) => new(
            reader.GetChoice(DsrMethodKey, DsrMethods, DsrMethod.L3),
            reader.GetBool(ManageFirewallKey, true),
            ReadInterface(reader));
    }

    /// <summary>
    /// An interface name as Linux accepts one (1 to 15 bytes, not <c>.</c> or <c>..</c>, no <c>/</c>, <c>:</c> or white space),
    /// without quotes or backslashes (it is written into nftables rules). Whether the host has it is known only where the
    /// engine runs, so that is checked when a configuration is applied.
    /// </summary>
    private static string? ReadInterface(SettingsReader reader)
    {
        if (reader.GetString(InterfaceKey) is not { } name)
        {
            return null;
        }

        if (name.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(name) > 15 || name is "." or ".."
            || name.Any(c => c is '/' or ':' or '"' or '\\' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            reader.Report(InterfaceKey, $"'{InterfaceKey}' must name a network interface as `ip link` lists it (1 to 15 bytes; no '/', ':', quote, backslash or white space), not \"{name}\"; leave it out to receive on every interface that is up.");
            return null;
        }

        return name;
    }
}
