using System.Net;
using Convey.Configuration;

namespace Convey.Core.Tests.Configuration;

/// <summary>
/// What cannot listen or cannot work: frontends that take each other's port (a wildcard included), a stats listener
/// on a frontend's port, and a server that is its own frontend.
/// </summary>
public sealed class ListenAddressRulesTests
{
    private static readonly string[] Policies = ["round_robin"];

    /// <summary>This host's interfaces as far as these tests are concerned: loopback plus one test-net address.</summary>
    private static readonly LocalAddresses Host = new(() => [IPAddress.Parse("198.18.0.5")]);

    private static FrontendConfig Frontend(string name, string listen, string backend = "pool") =>
        new() { Name = name, ListenEndPoint = IPEndPoint.Parse(listen), Pool = backend };

    private static BackendPoolConfig Pool(string name, params string[] servers) =>
        new() { Name = name, Servers = [.. servers.Select((s, i) => new ServerConfig { Name = $"s{i + 1}", Address = IPEndPoint.Parse(s) })] };

    private static IReadOnlyList<ConfigError> Validate(FrontendConfig[] frontends, BackendPoolConfig[]? pools = null) =>
        ConfigValidator.Validate(
            new ConveyConfig { Frontends = [.. frontends], Pools = [.. pools ?? [Pool("pool", "198.19.0.1:80")]] },
            Policies,
            Host);

    [Theory]
    [InlineData("0.0.0.0:80", "127.0.0.1:80")]
    [InlineData("127.0.0.1:80", "0.0.0.0:80")]
    [InlineData("[::]:80", "[::1]:80")]
    [InlineData("0.0.0.0:80", "[::ffff:127.0.0.1]:80")]
    public void A_wildcard_and_a_specific_address_on_one_port_clash(string first, string second)
    {
        var errors = Validate([Frontend("a", first), Frontend("b", second)]);

        var error = Assert.Single(errors);
        Assert.Equal("frontends.b.listen_addr", error.KeyPath);
        Assert.Contains("clashes with frontend 'a'", error.Message, StringComparison.Ordinal);
        Assert.Contains("takes port 80 on every", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0:80", "[::]:80")]
    [InlineData("[::]:80", "127.0.0.1:80")]
    [InlineData("0.0.0.0:80", "0.0.0.0:81")]
    [InlineData("127.0.0.1:80", "127.0.0.2:80")]
    public void Frontends_that_take_different_ports_or_addresses_do_not_clash(string first, string second)
    {
        // Frontends on [::] are bound IPv6-only, so they share a port with IPv4 frontends.
        Assert.Empty(Validate([Frontend("a", first), Frontend("b", second)]));
    }

    [Fact]
    public void The_same_listen_address_twice_names_the_first_frontend()
    {
        var error = Assert.Single(Validate([Frontend("a", "127.0.0.1:80"), Frontend("b", "127.0.0.1:80")]));

        Assert.Equal("frontends.b.listen_addr", error.KeyPath);
        Assert.Contains("already the listen address of another frontend ('a')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_at_its_frontends_listen_address_is_refused()
    {
        var errors = Validate([Frontend("web", "127.0.0.1:3000")], [Pool("pool", "127.0.0.1:8080", "127.0.0.1:3000")]);

        var error = Assert.Single(errors);
        Assert.Equal("backends.pool.servers.s2.addr", error.KeyPath);
        Assert.Contains("server 's2' (127.0.0.1:3000) is frontend 'web' itself", error.Message, StringComparison.Ordinal);
        Assert.Contains("Point addr at the real server", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:3000", "0.0.0.0:3000")]
    [InlineData("127.9.9.9:3000", "0.0.0.0:3000")]
    [InlineData("198.18.0.5:3000", "0.0.0.0:3000")]
    [InlineData("[::1]:3000", "[::]:3000")]
    [InlineData("198.18.0.5:3000", "198.18.0.5:3000")]
    public void A_server_at_an_address_of_this_host_on_its_wildcard_frontends_port_is_refused(string server, string listen)
    {
        var error = Assert.Single(Validate([Frontend("web", listen)], [Pool("pool", server)]));

        Assert.Equal("backends.pool.servers.s1.addr", error.KeyPath);
        Assert.Contains("is frontend 'web' itself", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("198.19.0.1:3000", "0.0.0.0:3000")]
    [InlineData("127.0.0.1:3000", "[::]:3000")]
    [InlineData("127.0.0.2:3000", "127.0.0.1:3000")]
    [InlineData("127.0.0.1:3001", "0.0.0.0:3000")]
    public void A_server_the_frontend_does_not_listen_on_is_accepted(string server, string listen)
    {
        Assert.Empty(Validate([Frontend("web", listen)], [Pool("pool", server)]));
    }

    [Fact]
    public void A_server_may_be_the_frontend_of_another_pool()
    {
        // Chaining one frontend into another is a choice; only a frontend that feeds itself is a loop.
        var errors = Validate(
            [Frontend("outer", "127.0.0.1:3000", "first"), Frontend("inner", "127.0.0.1:3001", "second")],
            [Pool("first", "127.0.0.1:3001"), Pool("second", "198.19.0.1:80")]);

        Assert.Empty(errors);
    }

    [Fact]
    public void Listen_rules_run_for_configurations_read_from_toml_at_their_line_and_column()
    {
        const string Text = """
            [frontends.a]
            listen_addr = "0.0.0.0:3000"
            backend = "pool"

            [backends.pool.servers.s1]
            addr = "127.0.0.1:3000"
            """;

        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.Parse(Text, "loop.toml"));

        Assert.Equal(
            new[] { "loop.toml:6:1 backends.pool.servers.s1.addr" },
            ex.Errors.Select(e => $"{e.Source}:{e.Line}:{e.Column} {e.KeyPath}"));
    }
}
