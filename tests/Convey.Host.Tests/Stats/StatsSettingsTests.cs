using System.Collections.Immutable;
using System.Net;
using Convey.Configuration;
using Convey.Host.Stats;

namespace Convey.Host.Tests.Stats;

public class StatsSettingsTests
{
    private static ConveyConfig Config(string frontendListen, params (string Key, string Value)[] stats) => new()
    {
        Frontends = [new FrontendConfig { Name = "web", ListenEndPoint = IPEndPoint.Parse(frontendListen), Pool = "pool" }],
        Sections = ImmutableDictionary<string, ConfigSettings>.Empty.Add(
            StatsSettings.Section, new ConfigSettings(stats.Select(s => new KeyValuePair<string, string>(s.Key, s.Value)))),
    };

    private static IReadOnlyList<ConfigError> Validate(ConveyConfig config) => [.. new StatsSettings.Owner().Validate(config)];

    [Fact]
    public void The_original_string_port_and_the_default_loopback_address_are_read()
    {
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7000), StatsSettings.Of(Config("127.0.0.1:80", ("port", "7000"))).EndPoint);
    }

    [Fact]
    public void Without_a_stats_table_there_is_no_listener()
    {
        Assert.Null(StatsSettings.Of(new ConveyConfig()).EndPoint);
    }

    [Theory]
    [InlineData("0", "between 1 and 65535")]
    [InlineData("70000", "between 1 and 65535")]
    [InlineData("seven", "must be a whole number")]
    public void A_port_out_of_range_or_not_a_number_is_refused(string port, string message)
    {
        var error = Assert.Single(Validate(Config("127.0.0.1:80", ("port", port))));

        Assert.Equal("stats.port", error.KeyPath);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stats_table_without_a_port_is_refused()
    {
        var error = Assert.Single(Validate(Config("127.0.0.1:80", ("listen_addr", "127.0.0.1"))));

        Assert.Equal("stats.port", error.KeyPath);
        Assert.Contains("'port' is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listen_address_that_is_not_an_ip_is_refused()
    {
        var error = Assert.Single(Validate(Config("127.0.0.1:80", ("port", "7000"), ("listen_addr", "localhost"))));

        Assert.Equal("stats.listen_addr", error.KeyPath);
    }

    [Fact]
    public void A_stats_listener_on_a_frontends_port_is_refused()
    {
        var error = Assert.Single(Validate(Config("0.0.0.0:7000", ("port", "7000"))));

        Assert.Equal("stats.port", error.KeyPath);
        Assert.Contains("the stats listener 127.0.0.1:7000 clashes with frontend 'web' on 0.0.0.0:7000", error.Message, StringComparison.Ordinal);
        Assert.Contains("give [stats] another port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stats_listener_on_the_ipv6_wildcard_is_dual_stack_and_clashes_with_an_ipv4_frontend()
    {
        var error = Assert.Single(Validate(Config("127.0.0.1:7000", ("port", "7000"), ("listen_addr", "::"))));

        Assert.Equal("stats.port", error.KeyPath);
        Assert.Contains("dual-stack", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stats_listener_on_its_own_port_is_accepted()
    {
        Assert.Empty(Validate(Config("0.0.0.0:7000", ("port", "7001"))));
    }
}
