using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.RawPacket.Engine;
using Convey.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Convey.RawPacket.Tests.Engine;

/// <summary>
/// What the packet engine cannot serve is refused by validation (apply and --check), not found at run time as a
/// frontend that gets no traffic.
/// </summary>
public sealed class PacketFrontendRulesTests : IAsyncDisposable
{
    private readonly PacketEngine _engine = new(NullLogger<PacketEngine>.Instance, TimeProvider.System);

    public ValueTask DisposeAsync() => _engine.DisposeAsync();

    [Theory]
    [InlineData("passthrough")]
    [InlineData("dsr")]
    public void An_ipv6_packet_frontend_with_ipv6_servers_is_accepted(string mode)
    {
        var runtime = Runtime("proxy");

        runtime.Apply(Config("[2001:2::2]:80", mode, "[2001:2::1:b]:8080"));

        Assert.Equal(mode, runtime.Current.Frontends["web"].Mode);
    }

    [Theory]
    [InlineData("198.18.0.2:80", "[2001:2::10]:80", "is IPv6", "cannot turn IPv4 into IPv6")]
    [InlineData("[2001:2::2]:80", "198.18.1.11:80", "is IPv4", "cannot turn IPv6 into IPv4")]
    public void A_server_of_the_other_family_than_its_packet_frontend_is_refused_with_a_message_saying_why(string listen, string server, string family, string why)
    {
        var error = Assert.Single(Runtime("proxy").Validate(Config(listen, "dsr", server)));

        Assert.Equal("backends.pool.servers.s1.addr", error.KeyPath);
        Assert.Contains(family, error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Contains("or serve it from a proxy frontend", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wildcard_frontend_in_the_hosts_default_packet_mode_is_refused_and_says_the_mode_is_the_default()
    {
        var errors = Runtime("passthrough").Validate(Config("[::]:80", mode: null, "[2001:2::10]:80"));

        var error = Assert.Single(errors);
        Assert.Contains("the host's default mode 'passthrough', from --passthrough or --dsr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Packet_frontends_of_both_families_on_one_pool_are_refused_once_naming_both()
    {
        var config = Config("198.18.0.2:80", "passthrough");
        config = config with { Frontends = [.. config.Frontends, config.Frontends[0] with { Name = "web6", ListenEndPoint = IPEndPoint.Parse("[2001:2::2]:80") }] };

        var errors = Runtime("proxy").Validate(config);

        var error = Assert.Single(errors, e => e.KeyPath.EndsWith(".pool", StringComparison.Ordinal));
        Assert.Equal("frontends.web.pool", error.KeyPath);
        Assert.Contains("frontend 'web6'", error.Message, StringComparison.Ordinal);
        Assert.Contains("give each family a pool of its own", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ipv6_proxy_frontend_is_accepted()
    {
        Assert.Empty(Runtime("proxy").Validate(Config("[::1]:80", "proxy")));
    }

    [Theory]
    [InlineData("0.0.0.0:80", "198.18.1.11:8080")]
    [InlineData("[::]:80", "[2001:2::1:b]:8080")]
    public void A_wildcard_packet_frontend_is_refused(string listen, string server)
    {
        var error = Assert.Single(Runtime("proxy").Validate(Config(listen, "passthrough", server)));

        Assert.Equal("frontends.web.listen_addr", error.KeyPath);
        Assert.Contains("never 0.0.0.0 or ::", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[fe80::2]:80", "[2001:2::1:b]:8080", "frontends.web.listen_addr")]
    [InlineData("[2001:2::2]:80", "[fe80::b]:8080", "backends.pool.servers.s1.addr")]
    public void A_link_local_packet_frontend_or_server_is_refused(string listen, string server, string key)
    {
        var error = Assert.Single(Runtime("proxy").Validate(Config(listen, "dsr", server)));

        Assert.Equal(key, error.KeyPath);
        Assert.Contains("link-local", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pool_that_sends_a_proxy_header_behind_a_packet_frontend_is_refused()
    {
        var config = Config("198.18.0.2:80", "passthrough");
        config = config with { Pools = [config.Pools[0] with { Settings = new ConfigSettings([new("send_proxy", "v2")]) }] };

        var error = Assert.Single(Runtime("proxy").Validate(config));

        Assert.Equal("backends.pool.send_proxy", error.KeyPath);
        Assert.Contains("cannot add one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ipv4_packet_frontend_is_accepted()
    {
        Assert.Empty(Runtime("proxy").Validate(Config("198.18.0.2:80", "passthrough")));
    }

    private ConveyRuntime Runtime(string defaultMode)
    {
        var registry = new BackendSelectorRegistry(
            [new BackendSelectorRegistration(BalancingPolicyNames.RoundRobin, _ => new RoundRobinSelector()), new BackendSelectorRegistration(BalancingPolicyNames.Maglev, _ => new MaglevSelector())],
            NSubstitute.Substitute.For<IServiceProvider>());
        return new ConveyRuntime(registry, Options.Create(new ConveyOptions { DefaultMode = defaultMode }), () => [_engine, new ProxyOnly()], () => []);
    }

    private static ConveyConfig Config(string listen, string? mode, string server = "198.18.1.11:8080") => new()
    {
        Frontends = [new FrontendConfig { Name = "web", ListenEndPoint = IPEndPoint.Parse(listen), Pool = "pool", Mode = mode }],
        Pools = [new BackendPoolConfig { Name = "pool", Servers = [new ServerConfig { Name = "s1", Address = IPEndPoint.Parse(server) }] }],
    };

    /// <summary>Stands in for the proxy engine, which this project does not reference.</summary>
    private sealed class ProxyOnly : IForwardingEngine
    {
        public IReadOnlyCollection<string> Modes { get; } = ["proxy"];

        public IReadOnlyCollection<string> PoolKeys { get; } = ["send_proxy"];

        public Task ApplyAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
