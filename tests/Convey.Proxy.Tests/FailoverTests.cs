using System.Net;
using System.Net.Sockets;
using Convey.Forwarding;
using Convey.Proxy.Tests.Support;

namespace Convey.Proxy.Tests;

public class FailoverTests
{
    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Refusing_server_costs_the_client_nothing(RelayPath path)
    {
        using var refusingPort = new ReservedPort();
        var refusing = refusingPort.EndPoint;
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([refusing, server.EndPoint]), options: RelayPaths.Options(path));

        for (var i = 0; i < 10; i++)
        {
            using var client = await Loopback.ConnectAsync(proxy.Frontend());
            await Loopback.AssertEchoAsync(client, $"message {i}");
        }

        var dead = proxy.Servers().Single(s => s.Address.Equals(refusing));
        Assert.True(dead.ConnectFailures > 0);
        Assert.Equal(0, dead.TotalConnections);
        Assert.Equal(dead.ConnectFailures, proxy.FrontendState().Retries);
        Assert.Equal(dead.ConnectFailures, proxy.FrontendState().ConnectFailures);
        Assert.Equal(0, proxy.FrontendState().RefusedConnections);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Every_server_down_closes_the_client_promptly(RelayPath path)
    {
        using var first = new ReservedPort();
        using var second = new ReservedPort();
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([first.EndPoint, second.EndPoint]), options: RelayPaths.Options(path));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());

        Assert.Empty(await Loopback.ReadToEndAsync(client, allowReset: true));
        Assert.Equal(2, proxy.FrontendState().ConnectFailures);
        Assert.Equal(1, proxy.FrontendState().RefusedConnections);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Retries_are_bounded_by_the_pool_setting(RelayPath path)
    {
        var closed = Enumerable.Range(0, 5).Select(_ => new ReservedPort()).ToArray();
        try
        {
            await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config(closed.Select(p => p.EndPoint), pool: p => p with { Retries = 1 }), options: RelayPaths.Options(path));

            using var client = await Loopback.ConnectAsync(proxy.Frontend());

            Assert.Empty(await Loopback.ReadToEndAsync(client, allowReset: true));
            Assert.Equal(2, proxy.FrontendState().ConnectFailures);
            Assert.Equal(1, proxy.FrontendState().Retries);
        }
        finally
        {
            foreach (var port in closed)
            {
                port.Dispose();
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Server_that_never_answers_is_left_after_the_connect_timeout(RelayPath path)
    {
        using var silent = SilentServer.Start();
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config(
            [silent.EndPoint, server.EndPoint],
            frontend: f => f with { ConnectTimeout = TimeSpan.FromMilliseconds(300) }), options: RelayPaths.Options(path));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await Loopback.AssertEchoAsync(client, "after a timeout");

        var timedOut = proxy.Servers().Single(s => s.Address.Equals(silent.EndPoint));
        Assert.Equal(1, timedOut.ConnectFailures);
        Assert.Equal(1, proxy.FrontendState().Retries);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Client_is_closed_when_the_only_server_never_answers(RelayPath path)
    {
        using var silent = SilentServer.Start();
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config(
            [silent.EndPoint],
            frontend: f => f with { ConnectTimeout = TimeSpan.FromMilliseconds(200) }), options: RelayPaths.Options(path));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());

        Assert.Empty(await Loopback.ReadToEndAsync(client, allowReset: true));
        Assert.Equal(1, proxy.FrontendState().ConnectFailures);
        Assert.Equal(1, proxy.FrontendState().RefusedConnections);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Clients_that_reset_at_once_leave_the_proxy_serving_and_empty(RelayPath path)
    {
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: RelayPaths.Options(path));

        await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var client = await Loopback.ConnectAsync(proxy.Frontend());
            if (i % 2 == 0)
            {
                // Half of them send a little first, so the reset lands mid-relay rather than before it.
                await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
            }

            client.LingerState = new LingerOption(true, 0);
        }));

        await Eventually.ReturnsAsync(() => proxy.FrontendState().ActiveConnections, active => active == 0, "every reset connection closed");
        using var after = await Loopback.ConnectAsync(proxy.Frontend());
        await Loopback.AssertEchoAsync(after, "still serving");
    }
}
