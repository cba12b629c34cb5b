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
    public void An_ipv6_packet_frontend_is_refused_with_a_message_saying_why(string mode)
    {
        var runtime = Runtime("proxy");

        var ex = Assert.Throws<ConfigException>(() => runtime.Apply(Config("[2001:2::1]:80", mode)));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("frontends.web.listen_addr", error.KeyPath);
        Assert.Contains("the packet engine forwards IPv4 only for now", error.Message, StringComparison.Ordinal);
        Assert.Contains("use mode = \"proxy\"", error.Message, StringComparison.Ordinal);
        Assert.Empty(runtime.Current.Frontends);
    }

    [Fact]
    public void An_ipv6_frontend_in_the_hosts_default_packet_mode_is_refused_and_says_the_mode_is_the_default()
    {
        var errors = Runtime("passthrough").Validate(Config("[::1]:80", mode: null));

        var error = Assert.Single(errors);
        Assert.Contains("the host's default mode 'passthrough', from --passthrough or --dsr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ipv6_proxy_frontend_is_accepted()
    {
        Assert.Empty(Runtime("proxy").Validate(Config("[::1]:80", "proxy")));
    }

    [Fact]
    public void A_wildcard_packet_frontend_is_refused()
    {
        var error = Assert.Single(Runtime("proxy").Validate(Config("0.0.0.0:80", "passthrough")));

        Assert.Equal("frontends.web.listen_addr", error.KeyPath);
        Assert.Contains("never 0.0.0.0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ipv6_server_behind_a_packet_frontend_is_refused()
    {
        var error = Assert.Single(Runtime("proxy").Validate(Config("198.18.0.2:80", "dsr", "[2001:2::10]:80")));

        Assert.Equal("backends.pool.servers.s1.addr", error.KeyPath);
        Assert.Contains("is IPv6", error.Message, StringComparison.Ordinal);
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
