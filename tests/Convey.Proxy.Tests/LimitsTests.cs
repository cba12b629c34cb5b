using System.Net.Sockets;
using Convey.Forwarding;
using Convey.Proxy.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Convey.Proxy.Tests;

public class LimitsTests
{
    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Idle_connection_is_closed_after_the_idle_timeout(RelayPath path)
    {
        var time = new FakeTimeProvider();
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(
            ProxyFixture.Config([server.EndPoint], frontend: f => f with { IdleTimeout = TimeSpan.FromSeconds(60) }),
            time, options: RelayPaths.Options(path));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await Loopback.AssertEchoAsync(client, "first");
        time.Advance(TimeSpan.FromSeconds(45));
        await Loopback.AssertEchoAsync(client, "still alive: traffic resets the idle clock");
        time.Advance(TimeSpan.FromSeconds(45));
        await Loopback.AssertEchoAsync(client, "alive after 90 s with traffic");

        time.Advance(TimeSpan.FromSeconds(61));

        Assert.Empty(await Loopback.ReadToEndAsync(client, allowReset: true));
        await Eventually.ReturnsAsync(() => proxy.FrontendState().ActiveConnections, active => active == 0, "connection closed");
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Connections_beyond_max_connections_are_closed_at_once_and_counted(RelayPath path)
    {
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(
            ProxyFixture.Config([server.EndPoint], frontend: f => f with { MaxConnections = 2 }), options: RelayPaths.Options(path));

        using var first = await Loopback.ConnectAsync(proxy.Frontend());
        using var second = await Loopback.ConnectAsync(proxy.Frontend());
        await Loopback.AssertEchoAsync(first, "one");
        await Loopback.AssertEchoAsync(second, "two");

        using (var third = await Loopback.ConnectAsync(proxy.Frontend()))
        {
            Assert.Empty(await Loopback.ReadToEndAsync(third, allowReset: true));
        }

        Assert.Equal(1, proxy.FrontendState().RefusedConnections);
        Assert.Equal(2, server.Connections);

        first.Shutdown(SocketShutdown.Send);
        await Loopback.ReadToEndAsync(first);
        await Eventually.ReturnsAsync(() => proxy.FrontendState().ActiveConnections, active => active == 1, "a slot freed");
        using var fourth = await Loopback.ConnectAsync(proxy.Frontend());
        await Loopback.AssertEchoAsync(fourth, "room again");
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Engine_wide_limit_counts_connections_of_every_frontend(RelayPath path)
    {
        await using var server = TestServer.Echo();
        var config = ProxyFixture.Config([server.EndPoint]);
        config = config with { Frontends = [config.Frontends[0], config.Frontends[0] with { Name = "second", ListenEndPoint = ProxyFixture.FrontendPort() }] };
        var transport = RelayPaths.Options(path);
        await using var proxy = await ProxyFixture.StartAsync(config, options: o =>
        {
            transport(o);
            o.MaxConnections = 2;
        });

        using var first = await Loopback.ConnectAsync(proxy.Frontend());
        using var second = await Loopback.ConnectAsync(proxy.Frontend("second"));
        await Loopback.AssertEchoAsync(first, "one");
        await Loopback.AssertEchoAsync(second, "two");

        using (var third = await Loopback.ConnectAsync(proxy.Frontend("second")))
        {
            Assert.Empty(await Loopback.ReadToEndAsync(third, allowReset: true));
        }

        Assert.Equal(1, proxy.FrontendState("second").RefusedConnections);
        first.Shutdown(SocketShutdown.Send);
        await Loopback.ReadToEndAsync(first);
        await Eventually.ReturnsAsync(() => proxy.FrontendState().ActiveConnections, active => active == 0, "a place freed");
        using var fourth = await Loopback.ConnectAsync(proxy.Frontend("second"));
        await Loopback.AssertEchoAsync(fourth, "room again");
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Full_server_is_skipped_for_the_next_one(RelayPath path)
    {
        await using var small = TestServer.Echo();
        await using var large = TestServer.Echo();
        var config = ProxyFixture.Config([small.EndPoint, large.EndPoint]);
        config = config with
        {
            Pools = [config.Pools[0] with { Servers = [config.Pools[0].Servers[0] with { MaxConnections = 1 }, config.Pools[0].Servers[1]] }],
        };
        await using var proxy = await ProxyFixture.StartAsync(config, options: RelayPaths.Options(path));

        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var client = await Loopback.ConnectAsync(proxy.Frontend());
                clients.Add(client);
                await Loopback.AssertEchoAsync(client, $"client {i}");
            }

            Assert.Equal(1, small.Connections);
            Assert.Equal(5, large.Connections);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
