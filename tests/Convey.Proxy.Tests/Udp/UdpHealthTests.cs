using Convey.Configuration;
using Convey.Proxy.Tests.Support;

namespace Convey.Proxy.Tests.Udp;

public class UdpHealthTests
{
    private static readonly HealthCheckConfig Fast = new()
    {
        Interval = TimeSpan.FromMilliseconds(100),
        // Fall = 1: a reply late on a loaded machine must not take a good server out while a test sends through it.
        // Wrong replies and closed ports fail at once, so the long timeout costs these tests nothing.
        Timeout = TimeSpan.FromSeconds(2),
        Rise = 1,
        Fall = 1,
    };

    [Fact]
    public async Task Udp_probe_keeps_the_server_whose_reply_matches_and_takes_out_a_wrong_reply_and_a_closed_port()
    {
        await using var good = UdpTestServer.Replying("good", "pong from good");
        await using var wrong = UdpTestServer.Replying("wrong", "nope");
        var closed = UdpTestServer.Echo("closed");
        var closedAddress = closed.EndPoint;
        await closed.DisposeAsync();
        var config = UdpFrontendTests.UdpConfig([good.EndPoint, wrong.EndPoint, closedAddress], pool: p => p with
        {
            HealthCheck = Fast with { Kind = HealthCheckKind.Udp, Send = "ping", Expect = "pong" },
        });
        await using var proxy = await ProxyFixture.StartAsync(config, probeServers: true);

        var servers = proxy.Servers();
        await Eventually.TrueAsync(() => servers[0].IsHealthy && !servers[1].IsHealthy && !servers[1].IsPending && !servers[2].IsHealthy && !servers[2].IsPending,
            "the matching server is up, the others down");
        Assert.True(good.Received >= 1);
        Assert.True(wrong.Received >= 1);

        for (var i = 0; i < 5; i++)
        {
            using var client = UdpTestServer.Client();
            Assert.Equal("pong from good", (await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "query"))?.Text);
        }
    }

    [Fact]
    public async Task Udp_probe_sends_the_bytes_written_in_hex()
    {
        await using var server = UdpTestServer.Echo("a");
        var config = UdpFrontendTests.UdpConfig([server.EndPoint], pool: p => p with
        {
            // "a:" (61 3a) then the request 00 ff echoed back.
            HealthCheck = Fast with { Kind = HealthCheckKind.Udp, Send = "hex:00 ff", Expect = "hex:61 3a 00 ff" },
        });
        await using var proxy = await ProxyFixture.StartAsync(config, probeServers: true);

        await Eventually.TrueAsync(() => proxy.Servers()[0].IsHealthy, "the echoed bytes match");
    }

    [Fact]
    public async Task Tcp_port_probe_checks_a_udp_server_through_health_check_port()
    {
        await using var server = UdpTestServer.Echo("a");
        await using var sidecar = TestServer.Echo();
        var config = UdpFrontendTests.UdpConfig([server.EndPoint], pool: p => p with
        {
            HealthCheck = Fast with { Kind = HealthCheckKind.Tcp, Port = sidecar.EndPoint.Port },
        });
        await using var proxy = await ProxyFixture.StartAsync(config, probeServers: true);
        var state = proxy.Servers()[0];
        await Eventually.TrueAsync(() => state.IsHealthy, "the TCP port answers");

        await sidecar.StopListeningAsync();
        await Eventually.TrueAsync(() => !state.IsHealthy, "the closed TCP port takes the UDP server out");
    }

    [Fact]
    public async Task A_pool_only_udp_frontends_use_is_not_probed_over_tcp_by_default()
    {
        await using var server = UdpTestServer.Echo("a");
        await using var proxy = await ProxyFixture.StartAsync(UdpFrontendTests.UdpConfig([server.EndPoint], pool: p => p with { HealthCheck = Fast }), probeServers: true);

        Assert.Equal(HealthCheckKind.None, proxy.Runtime.Current.Pools["pool"].Config.HealthCheck.Kind);
        await Eventually.TrueAsync(() => proxy.Servers()[0].IsHealthy, "the server is up without a TCP port");
        using var client = UdpTestServer.Client();
        Assert.Equal("a:x", (await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "x"))?.Text);
    }
}
