using System.Net;
using System.Net.Sockets;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Proxy.Tests.Support;
using Convey.Runtime;

namespace Convey.Proxy.Tests;

public class HealthTests
{
    [Fact]
    public async Task Killed_server_gets_no_new_connections_once_health_notices_and_rejoins_when_back()
    {
        await using var steady = TestServer.Echo();
        await using var flaky = TestServer.Echo();
        var flakyAddress = flaky.EndPoint;
        var health = new HealthCheckConfig { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromMilliseconds(500), Rise = 2, Fall = 2 };
        await using var proxy = await ProxyFixture.StartAsync(
            ProxyFixture.Config([steady.EndPoint, flakyAddress], pool: p => p with { HealthCheck = health }),
            probeServers: true);
        var flakyState = proxy.Servers().Single(s => s.Address.Equals(flakyAddress));
        await RoundTripsAsync(proxy, 10);
        Assert.True(flakyState.TotalConnections > 0);

        // Its port stays reserved: no other test's listener can take it and answer the probes.
        await flaky.StopListeningAsync();
        await RoundTripsAsync(proxy, 10);
        await Eventually.TrueAsync(() => !flakyState.IsHealthy, "health marks the killed server down");
        var failuresWhenDown = flakyState.ConnectFailures;
        var connectionsWhenDown = flakyState.TotalConnections;

        await RoundTripsAsync(proxy, 20);
        Assert.Equal(failuresWhenDown, flakyState.ConnectFailures);
        Assert.Equal(connectionsWhenDown, flakyState.TotalConnections);

        await using var revived = TestServer.Echo(port: flakyAddress.Port);
        await Eventually.TrueAsync(() => flakyState.IsHealthy, "health brings the server back");
        await RoundTripsAsync(proxy, 10);
        Assert.True(revived.Connections > 0, "the revived server takes connections again");
    }

    [Fact]
    public async Task Server_added_by_a_reload_while_down_takes_no_connection_so_no_client_fails_with_retries_0()
    {
        await using var steady = TestServer.Echo();
        using var down = new ReservedPort();
        // Probes far apart: only the probe sent when the server arrives can keep clients from it.
        var health = new HealthCheckConfig { Interval = TimeSpan.FromSeconds(60), Timeout = TimeSpan.FromSeconds(2) };
        var config = ProxyFixture.Config([steady.EndPoint], pool: p => p with { Retries = 0, HealthCheck = health });
        await using var proxy = await ProxyFixture.StartAsync(config, probeServers: true);
        await Eventually.TrueAsync(() => proxy.Servers().Single().IsHealthy, "the first server passes its first probe");

        var pool = config.Pools[0];
        await proxy.UpdateAsync(config with
        {
            Pools = [pool with { Servers = [.. pool.Servers, new ServerConfig { Name = "added", Address = down.EndPoint }] }],
        });
        var added = proxy.Servers().Single(s => s.Address.Equals(down.EndPoint));

        var failed = 0;
        for (var i = 0; i < 40; i++)
        {
            try
            {
                await RoundTripsAsync(proxy, 1);
            }
            catch (Exception ex) when (ex is SocketException or EndOfStreamException or Xunit.Sdk.XunitException)
            {
                failed++;
            }
        }

        Assert.Equal(0, failed);
        Assert.Equal(0, added.ConnectFailures);
        await Eventually.TrueAsync(() => added.Health == ServerHealth.Down, "the added server's first probe fails");
    }

    /// <summary>Short connections that must all succeed, whatever the servers' state.</summary>
    private static async Task RoundTripsAsync(ProxyFixture proxy, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var client = await Loopback.ConnectAsync(proxy.Frontend());
            await Loopback.AssertEchoAsync(client, $"round trip {i}");
            client.Shutdown(SocketShutdown.Send);
            Assert.Empty(await Loopback.ReadToEndAsync(client));
        }
    }
}
