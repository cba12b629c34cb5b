using System.Net;
using Convey.Configuration;
using Convey.Configuration.Toml;

namespace Convey.Host.Stats;

/// <summary>
/// The stats listener's settings, the <c>[stats]</c> table: <c>port</c> (required in the table; the original's files
/// write it as a string, <c>port = "7000"</c>) and <c>listen_addr</c> (loopback unless set). The host owns them, not
/// Convey's core: a library user runs no stats listener.
/// </summary>
/// <param name="Port">The port; null when the configuration has no <c>[stats]</c> table.</param>
/// <param name="ListenAddress">The address to bind.</param>
internal sealed record StatsSettings(int? Port, IPAddress ListenAddress)
{
    public const string Section = "stats";
    public const string PortKey = "port";
    public const string ListenAddrKey = "listen_addr";

    /// <summary>The stats listener on <c>[::]</c> is dual-stack (Kestrel binds it so).</summary>
    private const bool StatsDualStack = true;

    /// <summary>Where the listener binds; null when there is no <c>[stats]</c> table.</summary>
    public IPEndPoint? EndPoint => Port is { } port ? new IPEndPoint(ListenAddress, port) : null;

    /// <summary>The <c>[stats]</c> table of <paramref name="config"/> (values were checked by <see cref="Owner"/>).</summary>
    public static StatsSettings Of(ConveyConfig config) => Read(config, errors: null);

    private static StatsSettings Read(ConveyConfig config, List<ConfigError>? errors)
    {
        if (!config.Sections.ContainsKey(Section))
        {
            return new StatsSettings(null, IPAddress.Loopback);
        }

        var reader = SettingsReader.ForSection(config, Section, errors);
        if (!reader.Contains(PortKey))
        {
            reader.Report(PortKey, "'port' is required here; add for example port = 7000.");
        }

        int? port = reader.Contains(PortKey) ? reader.GetInt(PortKey, 0, min: 1, max: 65535) : null;
        var address = IPAddress.Loopback;
        if (reader.GetString(ListenAddrKey) is { } text && !AddressParser.TryParseAddress(text, out address))
        {
            reader.Report(ListenAddrKey, $"\"{text}\" is not an IP address; write for example \"127.0.0.1\" or \"::1\" (the port goes in 'port').");
            address = IPAddress.Loopback;
        }

        return new StatsSettings(port is 0 ? null : port, address);
    }

    /// <summary>Claims <c>[stats]</c> and checks it: a port in range, an IP address, and no clash with a frontend's listen address.</summary>
    internal sealed class Owner : IConfigSettingsOwner
    {
        public IReadOnlyCollection<string> Sections { get; } = [Section];

        public IEnumerable<ConfigError> Validate(ConveyConfig config)
        {
            var errors = new List<ConfigError>();
            if (Read(config, errors).EndPoint is { } stats)
            {
                var taken = config.Frontends.FirstOrDefault(f => f.ListenEndPoint.Port == stats.Port
                    && ListenOverlap.Overlaps(f.ListenEndPoint, ConfigValidator.FrontendDualStack, stats, StatsDualStack));
                if (taken is not null)
                {
                    var why = ListenOverlap.Explain(taken.ListenEndPoint, ConfigValidator.FrontendDualStack, stats, StatsDualStack);
                    errors.Add(new ConfigError(config.Source, 0, 0, $"{Section}.{PortKey}", why.Length == 0
                        ? $"the stats listener {EndPointText.Format(stats)} is also the listen address of frontend '{taken.Name}'; only one of them could listen, give [stats] another port."
                        : $"the stats listener {EndPointText.Format(stats)} clashes with frontend '{taken.Name}' on {EndPointText.Format(taken.ListenEndPoint)}:{why} Only one of them could listen; give [stats] another port."));
                }
            }

            return errors;
        }
    }
}
