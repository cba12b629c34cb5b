using System.Net;
using Convey.Configuration;

namespace Convey.Core.Tests.Configuration;

public sealed class UdpConfigurationTests
{
    [Fact]
    public void Protocol_and_udp_health_keys_are_read_and_a_file_without_them_reads_as_before()
    {
        var config = TomlConfigReader.Parse("""
            [frontends.dns]
            listen_addr = "0.0.0.0:53"
            backend = "resolvers"
            protocol = "UDP"

            [frontends.web]
            listen_addr = "0.0.0.0:80"
            backend = "resolvers"

            [backends.resolvers]
            health_check = "udp"
            health_check_port = 5353
            health_check_send = "hex:00 01"
            health_check_expect = "ok"

            [backends.resolvers.servers.a]
            addr = "10.0.0.1:53"
            """, "udp.toml");

        var dns = config.Frontends[0];
        Assert.Equal(FrontendProtocol.Udp, dns.Protocol);
        Assert.Equal(TimeSpan.FromSeconds(30), dns.IdleTimeout);
        Assert.Equal(FrontendProtocol.Tcp, config.Frontends[1].Protocol);
        Assert.Equal(TimeSpan.FromMinutes(5), config.Frontends[1].IdleTimeout);
        Assert.Equal(
            new HealthCheckConfig { Kind = HealthCheckKind.Udp, Port = 5353, Send = "hex:00 01", Expect = "ok" },
            config.Pools[0].HealthCheck);
        Assert.Empty(config.Frontends[0].Settings);
    }

    [Fact]
    public void Udp_frontend_keeps_an_idle_timeout_it_sets()
    {
        var config = TomlConfigReader.Parse("""
            [frontends.dns]
            listen_addr = "0.0.0.0:53"
            backend = "p"
            protocol = "udp"
            idle_timeout = 2.5

            [backends.p.servers.a]
            addr = "10.0.0.1:53"
            """, "udp.toml");

        Assert.Equal(TimeSpan.FromSeconds(2.5), config.Frontends[0].IdleTimeout);
    }

    [Fact]
    public void Tcp_and_udp_frontends_may_share_a_port_but_two_udp_frontends_may_not()
    {
        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.Parse("""
            [frontends.dns_tcp]
            listen_addr = "0.0.0.0:53"
            backend = "p"

            [frontends.dns_udp]
            listen_addr = "0.0.0.0:53"
            backend = "p"
            protocol = "udp"

            [frontends.dns_udp_again]
            listen_addr = "127.0.0.1:53"
            backend = "p"
            protocol = "udp"

            [backends.p.servers.a]
            addr = "10.0.0.1:53"
            """, "dns.toml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("frontends.dns_udp_again.listen_addr", error.KeyPath);
        Assert.Contains("clashes with frontend 'dns_udp'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("protocol = \"quic\"", "frontends.f.protocol", "'protocol' must be one of \"tcp\", \"udp\", not \"quic\".")]
    [InlineData("health_check = \"icmp\"", "backends.p.health_check", "'health_check' must be one of \"none\", \"tcp\", \"udp\", not \"icmp\".")]
    [InlineData("health_check_port = 70000", "backends.p.health_check_port", "health_check_port must be between 1 and 65535")]
    [InlineData("health_check_send = \"hex:0g\"", "backends.p.health_check_send", "is not hexadecimal after 'hex:'")]
    [InlineData("health_check_expect = \"hex:123\"", "backends.p.health_check_expect", "is not hexadecimal after 'hex:'")]
    public void Bad_udp_values_are_refused_at_their_key(string line, string key, string message)
    {
        var frontendLine = line.StartsWith("protocol", StringComparison.Ordinal) ? line : "";
        var poolLine = frontendLine.Length == 0 ? line : "";
        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.Parse($"""
            [frontends.f]
            listen_addr = "0.0.0.0:53"
            backend = "p"
            {frontendLine}

            [backends.p]
            {poolLine}

            [backends.p.servers.a]
            addr = "10.0.0.1:53"
            """, "bad.toml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(key, error.KeyPath);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_equality_sees_a_changed_protocol_or_probe()
    {
        var frontend = new FrontendConfig { Name = "f", ListenEndPoint = IPEndPoint.Parse("127.0.0.1:53"), Pool = "p" };
        Assert.NotEqual(frontend, frontend with { Protocol = FrontendProtocol.Udp });
        Assert.NotEqual(new HealthCheckConfig(), new HealthCheckConfig { Send = "ping" });
    }
}
