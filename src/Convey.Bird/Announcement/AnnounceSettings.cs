using System.Globalization;
using System.Text.RegularExpressions;
using Convey.Configuration;
using Convey.Configuration.Toml;

namespace Convey.Bird.Announcement;

/// <summary>
/// The <c>[announce]</c> table: which BIRD protocol carries the route of the service address (<c>protocol</c>,
/// required), BIRD's control socket (<c>bird_socket</c>, default <c>/run/bird/bird.ctl</c>), how long to keep serving
/// after withdrawing on stop (<c>withdraw_delay</c>, seconds, default 2), and BIRD's light client the crash guard runs
/// (<c>birdcl</c>, found on the PATH or in /usr/sbin unless set).
/// </summary>
internal sealed partial record AnnounceSettings(string BirdSocket, string Protocol, TimeSpan WithdrawDelay, string? BirdCl)
{
    public const string Section = "announce";
    public const string BirdSocketKey = "bird_socket";
    public const string ProtocolKey = "protocol";
    public const string WithdrawDelayKey = "withdraw_delay";
    public const string BirdClKey = "birdcl";
    public const string DefaultBirdSocket = "/run/bird/bird.ctl";
    public static readonly TimeSpan DefaultWithdrawDelay = TimeSpan.FromSeconds(2);
    private static readonly string[] Keys = [BirdSocketKey, ProtocolKey, WithdrawDelayKey, BirdClKey];

    /// <summary>Longest withdraw delay: the host's shutdown deadline grows by it, and a router converges in seconds.</summary>
    private static readonly TimeSpan MaxWithdrawDelay = TimeSpan.FromSeconds(300);

    /// <summary>The <c>[announce]</c> table of <paramref name="config"/>, or null when it has none (values were checked by <see cref="Owner"/>).</summary>
    public static AnnounceSettings? Of(ConveyConfig config) => Read(config, errors: null);

    private static AnnounceSettings? Read(ConveyConfig config, List<ConfigError>? errors)
    {
        if (!config.Sections.ContainsKey(Section))
        {
            return null;
        }

        var reader = SettingsReader.ForSection(config, Section, errors);
        var protocol = reader.GetString(ProtocolKey);
        if (protocol is null)
        {
            reader.Report(ProtocolKey, "'protocol' is required here: the BIRD protocol that carries the route of the service address, started disabled in bird.conf; add for example protocol = \"vip\".");
        }
        else if (!BirdSymbol().IsMatch(protocol))
        {
            reader.Report(ProtocolKey, $"\"{protocol}\" is not a BIRD protocol name: a letter or '_' followed by letters, digits or '_' (as after 'protocol static' in bird.conf), for example \"vip\".");
        }

        var socket = reader.GetString(BirdSocketKey) ?? DefaultBirdSocket;
        if (!Path.IsPathFullyQualified(socket))
        {
            reader.Report(BirdSocketKey, $"\"{socket}\" is not an absolute path; write the path BIRD was started with (bird -s PATH), for example \"{DefaultBirdSocket}\".");
        }

        var birdcl = reader.GetString(BirdClKey);
        if (birdcl is not null && !Path.IsPathFullyQualified(birdcl))
        {
            reader.Report(BirdClKey, $"\"{birdcl}\" is not an absolute path; write where BIRD's light client is, for example \"/usr/sbin/birdcl\" (Debian's bird2 package), or leave the key out to find it on the PATH.");
        }

        var delay = reader.GetSeconds(WithdrawDelayKey, DefaultWithdrawDelay);
        if (delay > MaxWithdrawDelay)
        {
            reader.Report(WithdrawDelayKey, $"withdraw_delay must be at most {MaxWithdrawDelay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds; the route is withdrawn from the router within seconds of BIRD disabling it.");
            delay = DefaultWithdrawDelay;
        }

        return new AnnounceSettings(socket, protocol ?? "", delay, birdcl);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex BirdSymbol();

    /// <summary>Claims <c>[announce]</c> and checks it.</summary>
    internal sealed class Owner : IConfigSettingsOwner
    {
        public IReadOnlyCollection<string> Sections { get; } = [Section];

        public IEnumerable<ConfigError> Validate(ConveyConfig config)
        {
            var errors = new List<ConfigError>();
            Read(config, errors);
            foreach (var key in config.Section(Section).Keys.Order(StringComparer.Ordinal))
            {
                if (Array.IndexOf(Keys, key) < 0)
                {
                    var nearest = KeySuggestion.Nearest(key, Keys);
                    var hint = nearest is null ? "" : $" Did you mean '{nearest}'?";
                    errors.Add(new ConfigError(config.Source, 0, 0, $"{Section}.{key}",
                        $"unknown key '{key}'.{hint} Known keys here: {string.Join(", ", Keys)}."));
                }
            }

            return errors;
        }
    }
}
