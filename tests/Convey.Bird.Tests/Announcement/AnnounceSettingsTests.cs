using Convey.Bird.Announcement;
using Convey.Configuration;

namespace Convey.Bird.Tests.Announcement;

public class AnnounceSettingsTests
{
    private static ConveyConfig Config(string announce) =>
        TomlConfigReader.Parse($"[announce]\n{announce}\n", "convey.toml");

    private static IReadOnlyList<ConfigError> Validate(string announce) => [.. new AnnounceSettings.Owner().Validate(Config(announce))];

    [Fact]
    public void Only_the_protocol_is_required_the_socket_and_the_withdraw_delay_have_defaults()
    {
        var settings = AnnounceSettings.Of(Config("protocol = \"vip\""));

        Assert.Equal(new AnnounceSettings("/run/bird/bird.ctl", "vip", TimeSpan.FromSeconds(2), null), settings);
        Assert.Empty(Validate("protocol = \"vip\""));
    }

    [Fact]
    public void The_fleet_labs_per_node_settings_are_read_as_written()
    {
        var settings = AnnounceSettings.Of(Config("bird_socket = \"/run/fleetlab/f-lb1/bird.ctl\"\nprotocol = \"vip\"\nwithdraw_delay = 0.5\nbirdcl = \"/usr/sbin/birdcl\""));

        Assert.Equal(new AnnounceSettings("/run/fleetlab/f-lb1/bird.ctl", "vip", TimeSpan.FromSeconds(0.5), "/usr/sbin/birdcl"), settings);
    }

    [Fact]
    public void Without_an_announce_table_nothing_is_announced()
    {
        Assert.Null(AnnounceSettings.Of(new ConveyConfig()));
    }

    [Theory]
    [InlineData("bird_socket = \"/run/bird/bird.ctl\"", "announce.protocol", "'protocol' is required")]
    [InlineData("protocol = \"vip; disable all\"", "announce.protocol", "is not a BIRD protocol name")]
    [InlineData("protocol = \"vip\"\nbird_socket = \"bird.ctl\"", "announce.bird_socket", "is not an absolute path")]
    [InlineData("protocol = \"vip\"\nbirdcl = \"birdcl\"", "announce.birdcl", "is not an absolute path")]
    [InlineData("protocol = \"vip\"\nwithdraw_delay = 0", "announce.withdraw_delay", "must be a positive number of seconds")]
    [InlineData("protocol = \"vip\"\nwithdraw_delay = \"soon\"", "announce.withdraw_delay", "must be a number of seconds")]
    [InlineData("protocol = \"vip\"\nwithdraw_delay = 3600", "announce.withdraw_delay", "at most 300 seconds")]
    [InlineData("protocol = \"vip\"\nwithdraw_dealy = 2", "announce.withdraw_dealy", "Did you mean 'withdraw_delay'?")]
    public void A_wrong_value_is_refused_at_its_key_saying_how_to_fix_it(string announce, string keyPath, string message)
    {
        var error = Assert.Single(Validate(announce));

        Assert.Equal(keyPath, error.KeyPath);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
