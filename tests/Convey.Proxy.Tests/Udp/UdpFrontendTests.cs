using System.Net;
using System.Net.Sockets;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Proxy.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Convey.Proxy.Tests.Udp;

public class UdpFrontendTests
{
    [Fact]
    public async Task Client_gets_each_reply_from_the_address_it_sent_to_also_on_a_wildcard_frontend()
    {
        await using var server = UdpTestServer.Echo("a");
        var config = UdpConfig([server.EndPoint], listen: UdpTestServer.FreeEndPoint(IPAddress.Any));
        await using var proxy = await ProxyFixture.StartAsync(config);
        var port = proxy.Frontend().Port;

        foreach (var address in new[] { IPAddress.Loopback, IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3") })
        {
            using var client = UdpTestServer.Client();
            var target = new IPEndPoint(address, port);
            var reply = await UdpTestServer.ExchangeAsync(client, target, "hello");
            Assert.NotNull(reply);
            Assert.Equal("a:hello", reply.Value.Text);
            Assert.Equal(target, reply.Value.From);
        }
    }

    [Fact]
    public async Task Ipv6_client_of_a_frontend_on_the_ipv6_wildcard_reaches_an_ipv6_server_and_hears_back_from_its_address()
    {
        await using var server = UdpTestServer.Echo("six", IPAddress.IPv6Loopback);
        var config = UdpConfig([server.EndPoint], listen: UdpTestServer.FreeEndPoint(IPAddress.IPv6Any));
        await using var proxy = await ProxyFixture.StartAsync(config);

        using var client = UdpTestServer.Client(IPAddress.IPv6Loopback);
        var target = new IPEndPoint(IPAddress.IPv6Loopback, proxy.Frontend().Port);
        var reply = await UdpTestServer.ExchangeAsync(client, target, "hello");
        Assert.Equal("six:hello", reply?.Text);
        Assert.Equal(target, reply?.From);
    }

    [Fact]
    public async Task Maglev_source_sends_every_client_of_an_address_to_one_server_and_spreads_addresses()
    {
        var servers = new[] { UdpTestServer.Echo("a"), UdpTestServer.Echo("b"), UdpTestServer.Echo("c") };
        try
        {
            var config = UdpConfig(servers.Select(s => s.EndPoint), pool: p => p with { Balance = "maglev_source" });
            await using var proxy = await ProxyFixture.StartAsync(config);
            var reached = new Dictionary<IPAddress, HashSet<string>>();
            for (var host = 1; host <= 24; host++)
            {
                var address = IPAddress.Parse($"127.0.1.{host}");
                reached[address] = [];
                for (var port = 0; port < 4; port++)
                {
                    // A new source port each time: a new session, placed by the client address alone.
                    using var client = UdpTestServer.Client(address);
                    var reply = await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "x");
                    Assert.NotNull(reply);
                    reached[address].Add(reply.Value.Text.Split(':')[0]);
                }
            }

            Assert.All(reached, pair => Assert.True(pair.Value.Count == 1, $"{pair.Key} reached {string.Join(", ", pair.Value)}"));
            Assert.True(reached.Values.Select(s => s.Single()).Distinct().Count() >= 2, "24 client addresses all went to one server");
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Session_keeps_its_server_while_round_robin_spreads_new_sessions_by_weight()
    {
        await using var heavy = UdpTestServer.Echo("heavy");
        await using var light = UdpTestServer.Echo("light");
        var config = UdpConfig([heavy.EndPoint, light.EndPoint], pool: p => p with
        {
            Servers = [p.Servers[0] with { Weight = 3 }, p.Servers[1]],
        });
        await using var proxy = await ProxyFixture.StartAsync(config);
        await Eventually.TrueAsync(() => proxy.Servers().All(s => s.IsHealthy), "both servers are up");
        var sessions = new List<string>();

        // All open at once: a closed client's port could come back for the next one, which would then be the same session.
        var clients = Enumerable.Range(0, 40).Select(_ => UdpTestServer.Client()).ToList();
        foreach (var client in clients)
        {
            var first = await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "1");
            var second = await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "2");
            Assert.NotNull(first);
            Assert.NotNull(second);
            var server = first.Value.Text.Split(':')[0];
            Assert.Equal($"{server}:2", second.Value.Text);
            sessions.Add(server);
        }

        clients.ForEach(c => c.Dispose());
        Assert.Equal(30, sessions.Count(s => s == "heavy"));
        Assert.Equal(40, proxy.FrontendState().TotalConnections);
    }

    [Fact]
    public async Task Idle_session_ends_after_idle_timeout_and_the_clients_next_datagram_opens_a_new_one()
    {
        await using var server = UdpTestServer.Echo("a");
        // Fake time: a slow reply on a loaded machine must not count as idleness.
        var time = new FakeTimeProvider();
        var idleTimeout = TimeSpan.FromSeconds(30);
        var config = UdpConfig([server.EndPoint], frontend: f => f with { IdleTimeout = idleTimeout });
        await using var proxy = await ProxyFixture.StartAsync(config, time);
        var frontend = proxy.FrontendState();
        using var client = UdpTestServer.Client();

        Assert.NotNull(await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "1"));
        Assert.Equal(1, frontend.ActiveConnections);
        Assert.Equal(1, proxy.Servers().Single().ActiveConnections);
        time.Advance(idleTimeout - TimeSpan.FromSeconds(2));
        Assert.NotNull(await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "1 again"));
        time.Advance(idleTimeout - TimeSpan.FromSeconds(2));
        Assert.Equal(1, frontend.ActiveConnections);

        time.Advance(TimeSpan.FromSeconds(3));
        await Eventually.TrueAsync(() => frontend.ActiveConnections == 0, "the idle session ends");
        Assert.Equal(0, proxy.Servers().Single().ActiveConnections);

        Assert.NotNull(await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "2"));
        Assert.Equal(2, frontend.TotalConnections);
    }

    [Fact]
    public void Udp_frontend_idle_timeout_defaults_to_30_seconds_and_TCP_keeps_5_minutes()
    {
        var endPoint = new IPEndPoint(IPAddress.Loopback, 53);
        Assert.Equal(TimeSpan.FromSeconds(30), new FrontendConfig { Name = "u", ListenEndPoint = endPoint, Pool = "p", Protocol = FrontendProtocol.Udp }.IdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), new FrontendConfig { Name = "t", ListenEndPoint = endPoint, Pool = "p" }.IdleTimeout);
    }

    [Fact]
    public async Task New_clients_beyond_the_session_cap_are_dropped_and_counted_while_sessions_in_place_are_served()
    {
        await using var server = UdpTestServer.Echo("a");
        var config = UdpConfig([server.EndPoint], frontend: f => f with { MaxConnections = 2 });
        await using var proxy = await ProxyFixture.StartAsync(config);
        using var first = UdpTestServer.Client();
        using var second = UdpTestServer.Client();
        using var third = UdpTestServer.Client();
        Assert.NotNull(await UdpTestServer.ExchangeAsync(first, proxy.Frontend(), "1"));
        Assert.NotNull(await UdpTestServer.ExchangeAsync(second, proxy.Frontend(), "2"));

        Assert.Null(await UdpTestServer.ExchangeAsync(third, proxy.Frontend(), "3", TimeSpan.FromMilliseconds(300)));
        Assert.NotNull(await UdpTestServer.ExchangeAsync(first, proxy.Frontend(), "1 again"));
        var counters = proxy.FrontendState().Datagrams;
        Assert.Equal(1, counters.Dropped(DatagramDropReason.SessionLimit));
        Assert.Equal(2, proxy.FrontendState().ActiveConnections);
        Assert.Equal(3, server.Received);
    }

    [Fact]
    public async Task Zero_length_and_largest_datagrams_pass_both_ways()
    {
        await using var server = UdpTestServer.Echo("a");
        await using var proxy = await ProxyFixture.StartAsync(UdpConfig([server.EndPoint]));
        using var client = UdpTestServer.Client();

        var empty = await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "");
        Assert.Equal("a:", empty?.Text);

        var largest = new string('x', UdpTestServer.MaxIPv4Datagram);
        var reply = await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), largest);
        Assert.NotNull(reply);
        Assert.Equal(UdpTestServer.MaxIPv4Datagram, reply.Value.Text.Length);
        Assert.Equal(2, proxy.FrontendState().Datagrams.ToServer);
        Assert.Equal(UdpTestServer.MaxIPv4Datagram, proxy.FrontendState().BytesToServer);

        // The loop counts a reply once sendmmsg returned: on a loaded machine the client may read it before that.
        await Eventually.TrueAsync(() => proxy.FrontendState().Datagrams.ToClient == 2, "both replies are counted");
    }

    [Fact]
    public async Task Unreachable_server_ends_its_sessions_counts_the_drops_and_passive_health_moves_clients_on()
    {
        await using var alive = UdpTestServer.Echo("alive");
        var gone = UdpTestServer.Echo("gone");
        var goneAddress = gone.EndPoint;
        await gone.DisposeAsync();
        var config = UdpConfig([alive.EndPoint, goneAddress], pool: p => p with
        {
            // Passive reports alone take the server out; the interval keeps the no-op probe from bringing it back during the test.
            HealthCheck = new HealthCheckConfig { Kind = HealthCheckKind.None, Interval = TimeSpan.FromMinutes(5), Fall = 1 },
        });
        await using var proxy = await ProxyFixture.StartAsync(config);
        var goneState = proxy.Servers().Single(s => s.Address.Equals(goneAddress));

        var answered = 0;
        for (var i = 0; i < 20; i++)
        {
            using var client = UdpTestServer.Client();
            if (await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "x", TimeSpan.FromSeconds(1)) is not null)
            {
                answered++;
            }
        }

        Assert.True(answered >= 10, $"only {answered} of 20 clients got an answer");
        await Eventually.TrueAsync(() => !goneState.IsHealthy, "passive health marks the unreachable server down");
        Assert.True(proxy.FrontendState().Datagrams.Dropped(DatagramDropReason.ServerUnreachable) >= 1);
        Assert.True(goneState.ConnectFailures >= 1);
        Assert.Equal(0, goneState.ActiveConnections);

        using var later = UdpTestServer.Client();
        Assert.Equal("alive:y", (await UdpTestServer.ExchangeAsync(later, proxy.Frontend(), "y"))?.Text);
    }

    [Fact]
    public async Task Datagrams_of_a_new_client_while_no_server_is_available_are_dropped_as_no_server()
    {
        await using var server = UdpTestServer.Echo("a");
        var config = UdpConfig([server.EndPoint], pool: p => p with { Servers = [p.Servers[0] with { Weight = 0 }] });
        await using var proxy = await ProxyFixture.StartAsync(config);
        using var client = UdpTestServer.Client();

        Assert.Null(await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "x", TimeSpan.FromMilliseconds(300)));
        Assert.Equal(1, proxy.FrontendState().Datagrams.Dropped(DatagramDropReason.NoServer));
        Assert.Equal(0, proxy.FrontendState().ActiveConnections);
    }

    [Fact]
    public async Task Reload_adds_and_removes_a_UDP_frontend_while_the_sessions_of_the_others_go_on()
    {
        await using var server = UdpTestServer.Echo("a");
        await using var tcpServer = TestServer.Echo();
        var baseline = UdpConfig([server.EndPoint]);
        var tcp = new FrontendConfig { Name = "tcp", ListenEndPoint = ProxyFixture.FrontendPort(), Pool = "tcp_pool" };
        var tcpPool = new BackendPoolConfig { Name = "tcp_pool", Servers = [new ServerConfig { Name = "t", Address = tcpServer.EndPoint }] };
        baseline = baseline with { Frontends = [.. baseline.Frontends, tcp], Pools = [.. baseline.Pools, tcpPool] };
        await using var proxy = await ProxyFixture.StartAsync(baseline);
        using var client = UdpTestServer.Client();
        Assert.NotNull(await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "before"));
        using var tcpClient = await Loopback.ConnectAsync(proxy.Frontend("tcp"));
        await Loopback.AssertEchoAsync(tcpClient, "before");

        var extra = baseline.Frontends[0] with { Name = "extra", ListenEndPoint = UdpTestServer.FreeEndPoint() };
        await proxy.UpdateAsync(baseline with { Frontends = [.. baseline.Frontends, extra] });
        using var extraClient = UdpTestServer.Client();
        Assert.Equal("a:via extra", (await UdpTestServer.ExchangeAsync(extraClient, proxy.Frontend("extra"), "via extra"))?.Text);

        // Not UpdateAsync: the removed frontend's sessions end at once, so the runtime forgets it and moves past the snapshot applied.
        proxy.Source!.Update(baseline with { Frontends = [.. baseline.Frontends.Where(f => f.Name != "front"), extra] });
        await Eventually.TrueAsync(() => proxy.Engine.GetListenEndPoint("front") is null, "the removed frontend closes");
        Assert.Equal("a:still", (await UdpTestServer.ExchangeAsync(extraClient, proxy.Frontend("extra"), "still"))?.Text);
        await Loopback.AssertEchoAsync(tcpClient, "after");
        Assert.Equal(1, proxy.FrontendState("extra").TotalConnections);
    }

    [Fact]
    public async Task Reload_that_changes_idle_timeout_and_pool_keeps_the_socket_and_its_sessions()
    {
        await using var first = UdpTestServer.Echo("first");
        await using var second = UdpTestServer.Echo("second");
        var baseline = UdpConfig([first.EndPoint]);
        await using var proxy = await ProxyFixture.StartAsync(baseline);
        using var client = UdpTestServer.Client();
        Assert.Equal("first:1", (await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "1"))?.Text);

        var pool = baseline.Pools[0];
        await proxy.UpdateAsync(baseline with
        {
            Frontends = [baseline.Frontends[0] with { IdleTimeout = TimeSpan.FromMinutes(2) }],
            Pools = [pool with { Servers = [.. pool.Servers, new ServerConfig { Name = "second", Address = second.EndPoint }] }],
        });

        Assert.Equal("first:2", (await UdpTestServer.ExchangeAsync(client, proxy.Frontend(), "2"))?.Text);
        Assert.Equal(1, proxy.FrontendState().TotalConnections);
    }

    [Fact]
    public async Task Udp_and_tcp_frontends_share_a_port_number()
    {
        await using var server = UdpTestServer.Echo("a");
        await using var tcpServer = TestServer.Echo();
        var port = ProxyFixture.FrontendPort();
        var config = UdpConfig([server.EndPoint]) is var udp
            ? udp with
            {
                Frontends = [udp.Frontends[0] with { ListenEndPoint = port }, new FrontendConfig { Name = "tcp", ListenEndPoint = port, Pool = "tcp_pool" }],
                Pools = [.. udp.Pools, new BackendPoolConfig { Name = "tcp_pool", Servers = [new ServerConfig { Name = "t", Address = tcpServer.EndPoint }] }],
            }
            : throw new InvalidOperationException();
        await using var proxy = await ProxyFixture.StartAsync(config);

        using var client = UdpTestServer.Client();
        Assert.Equal("a:dns", (await UdpTestServer.ExchangeAsync(client, port, "dns"))?.Text);
        using var tcpClient = await Loopback.ConnectAsync(port);
        await Loopback.AssertEchoAsync(tcpClient, "tcp");
    }

    /// <summary>One UDP frontend on a free loopback port over one pool of <paramref name="servers"/>.</summary>
    internal static ConveyConfig UdpConfig(
        IEnumerable<IPEndPoint> servers,
        Func<FrontendConfig, FrontendConfig>? frontend = null,
        Func<BackendPoolConfig, BackendPoolConfig>? pool = null,
        IPEndPoint? listen = null)
    {
        var front = new FrontendConfig { Name = "front", ListenEndPoint = listen ?? UdpTestServer.FreeEndPoint(), Pool = "pool", Protocol = FrontendProtocol.Udp };
        var back = new BackendPoolConfig
        {
            Name = "pool",
            Servers = [.. servers.Select((address, i) => new ServerConfig { Name = $"s{i}", Address = address })],
        };
        return new ConveyConfig
        {
            Frontends = [frontend is null ? front : frontend(front)],
            Pools = [pool is null ? back : pool(back)],
        };
    }
}
