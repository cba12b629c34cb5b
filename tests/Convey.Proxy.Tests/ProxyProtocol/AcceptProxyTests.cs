using System.Net;
using System.Net.Sockets;
using System.Text;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Proxy.Tests.Support;

namespace Convey.Proxy.Tests.ProxyProtocol;

/// <summary><c>accept_proxy = true</c>: clients come through an upstream that sends a PROXY header first.</summary>
public class AcceptProxyTests
{
    private static readonly IPEndPoint UpstreamClient = new(IPAddress.Parse("198.51.100.7"), 40123);
    private static readonly IPEndPoint UpstreamClient6 = new(IPAddress.Parse("2001:db8::7"), 40124);
    private static readonly IPEndPoint UpstreamVip = new(IPAddress.Parse("203.0.113.10"), 443);
    private static readonly IPEndPoint UpstreamVip6 = new(IPAddress.Parse("2001:db8::10"), 443);

    public static TheoryData<RelayPath, string> HeaderVersions => new()
    {
        { RelayPath.EventLoop, "v1" },
        { RelayPath.EventLoop, "v2" },
        { RelayPath.EventLoopSplice, "v1" },
        { RelayPath.Sockets, "v1" },
        { RelayPath.Sockets, "v2" },
    };

    [SkippableTheory]
    [MemberData(nameof(HeaderVersions))]
    public async Task The_upstreams_client_is_the_client_the_server_is_told_with_send_proxy(RelayPath path, string version)
    {
        var seen = new TaskCompletionSource<(IPEndPoint Source, IPEndPoint Destination, string FirstBytes)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = TestServer.Start(async socket =>
        {
            var (source, destination) = await ProxyHeaders.ReadV1Async(socket);
            seen.TrySetResult((source, destination, Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(socket, 5))));
        });
        await using var proxy = await StartAsync(server, path, sendProxy: "v1");

        using var upstream = await Loopback.ConnectAsync(proxy.Frontend());
        var header = version == "v1" ? ProxyHeaders.V1(UpstreamClient, UpstreamVip) : ProxyHeaders.V2(UpstreamClient, UpstreamVip);
        await upstream.SendAsync((byte[])[.. header, .. "hello"u8], SocketFlags.None);

        var (source, destination, rest) = await seen.Task.WaitAsync(Eventually.Patience);
        Assert.Equal(UpstreamClient, source);
        Assert.Equal(UpstreamVip, destination);
        Assert.Equal("hello", rest);
    }

    [SkippableTheory]
    [MemberData(nameof(HeaderVersions))]
    public async Task Without_send_proxy_the_server_gets_the_clients_bytes_without_the_header(RelayPath path, string version)
    {
        await using var server = TestServer.Echo();
        await using var proxy = await StartAsync(server, path);

        using var upstream = await Loopback.ConnectAsync(proxy.Frontend());
        await upstream.SendAsync(version == "v1" ? ProxyHeaders.V1(UpstreamClient6, UpstreamVip6) : ProxyHeaders.V2(UpstreamClient6, UpstreamVip6), SocketFlags.None);
        await Loopback.AssertEchoAsync(upstream, "first bytes after the header");
        await Loopback.AssertEchoAsync(upstream, "and more");
        Assert.Equal(0, proxy.FrontendState().RejectedConnections);
    }

    [Fact]
    public async Task A_header_that_arrives_byte_by_byte_is_read_whole()
    {
        var seen = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = TestServer.Start(async socket => seen.TrySetResult((await ProxyHeaders.ReadV1Async(socket)).Source));
        await using var proxy = await StartAsync(server, RelayPath.EventLoop, sendProxy: "v1");

        using var upstream = await Loopback.ConnectAsync(proxy.Frontend());
        foreach (var b in ProxyHeaders.V2(UpstreamClient6, UpstreamVip6, tlv: [0x04, 0x00, 0x02, 0xAB, 0xCD]))
        {
            await upstream.SendAsync(new[] { b }, SocketFlags.None);
            await Task.Delay(1); // Pacing, so the bytes arrive in separate segments.
        }

        await upstream.SendAsync("x"u8.ToArray(), SocketFlags.None);
        Assert.Equal(UpstreamClient6, await seen.Task.WaitAsync(Eventually.Patience));
    }

    [Fact]
    public async Task A_v2_LOCAL_header_keeps_the_connections_own_addresses()
    {
        var seen = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = TestServer.Start(async socket => seen.TrySetResult((await ProxyHeaders.ReadV1Async(socket)).Source));
        await using var proxy = await StartAsync(server, RelayPath.EventLoop, sendProxy: "v1");

        using var upstream = await Loopback.ConnectAsync(proxy.Frontend());
        await upstream.SendAsync((byte[])[.. ProxyHeaders.V2(UpstreamClient, UpstreamVip, command: 0), .. "x"u8], SocketFlags.None);

        Assert.Equal(upstream.LocalEndPoint, await seen.Task.WaitAsync(Eventually.Patience));
    }

    [Fact]
    public async Task Source_hashing_balances_by_the_address_in_the_header()
    {
        var names = new[] { "a", "b", "c" };
        var servers = names.Select(name => TestServer.Start(async socket => await socket.SendAsync(Encoding.ASCII.GetBytes(name), SocketFlags.None))).ToArray();
        try
        {
            await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config(
                servers.Select(s => s.EndPoint),
                frontend: f => f with { Settings = new ConfigSettings([new("accept_proxy", "true")]) },
                pool: p => p with { Balance = "maglev_source" }));
            var pool = proxy.Runtime.Current.Pools["pool"];

            var chosen = new HashSet<string>();
            for (var i = 0; i < 12; i++)
            {
                var source = new IPEndPoint(IPAddress.Parse($"198.51.100.{i + 1}"), 1000 + i);
                var expected = names[Array.FindIndex(servers, s => s.EndPoint.Equals(pool.Select(FlowKey.FromEndPoints(source, UpstreamVip))!.Address))];

                // Two connections from different upstream ports carrying the same client reach the same server.
                for (var attempt = 0; attempt < 2; attempt++)
                {
                    using var upstream = await Loopback.ConnectAsync(proxy.Frontend());
                    await upstream.SendAsync(ProxyHeaders.V1(source, UpstreamVip), SocketFlags.None);
                    Assert.Equal(expected, Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(upstream, 1)));
                }

                chosen.Add(expected);
            }

            Assert.True(chosen.Count > 1, "twelve clients all hashed to one server");
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    public static TheoryData<RelayPath, string> InvalidHeaders => new()
    {
        { RelayPath.EventLoop, "GET / HTTP/1.1\r\nHost: x\r\n\r\n" },
        { RelayPath.EventLoop, "PROXY TCP4 198.51.100.7 203.0.113.10 40123\r\n" },
        { RelayPath.EventLoop, "PROXY TCP4 2001:db8::7 203.0.113.10 40123 443\r\n" },
        { RelayPath.EventLoop, "PROXY TCP4 198.51.100.7 203.0.113.10 40123 70000\r\n" },
        { RelayPath.EventLoop, "PROXY TCP5 198.51.100.7 203.0.113.10 40123 443\r\n" },
        { RelayPath.EventLoop, "PROXY TCP4 198.51.100.7 203.0.113.10 40123 443 and some more text that makes the line much longer than any PROXY v1 line may be" },
        { RelayPath.EventLoop, "\r\n\r\n\0\r\nQUIT\n\u0031\u0011\0\u000c" },
        { RelayPath.Sockets, "SSH-2.0-OpenSSH_9.6\r\n" },
    };

    [SkippableTheory]
    [MemberData(nameof(InvalidHeaders))]
    public async Task A_connection_without_a_valid_header_is_closed_and_counted(RelayPath path, string start)
    {
        await using var server = TestServer.Echo();
        await using var proxy = await StartAsync(server, path);

        using var upstream = await Loopback.ConnectAsync(proxy.Frontend());
        await upstream.SendAsync(Encoding.Latin1.GetBytes(start), SocketFlags.None);

        Assert.Empty(await Loopback.ReadToEndAsync(upstream, allowReset: true));
        await Eventually.TrueAsync(() => proxy.FrontendState() is { RejectedConnections: 1, ActiveConnections: 0 }, "rejection counted, connection ended");
        Assert.Equal(0, server.Connections);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task A_connection_with_no_complete_header_within_connect_timeout_is_closed_and_counted(RelayPath path)
    {
        await using var server = TestServer.Echo();
        await using var proxy = await StartAsync(server, path, connectTimeout: TimeSpan.FromMilliseconds(300));

        using var silent = await Loopback.ConnectAsync(proxy.Frontend());
        using var partial = await Loopback.ConnectAsync(proxy.Frontend());
        await partial.SendAsync("PROXY TCP4 198.51.100.7 "u8.ToArray(), SocketFlags.None);

        Assert.Empty(await Loopback.ReadToEndAsync(silent, allowReset: true));
        Assert.Empty(await Loopback.ReadToEndAsync(partial, allowReset: true));
        await Eventually.TrueAsync(() => proxy.FrontendState().RejectedConnections == 2, "both rejections counted");
        Assert.Equal(0, server.Connections);
    }

    [Fact]
    public async Task A_frontend_without_accept_proxy_passes_a_header_on_as_client_bytes()
    {
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await Loopback.AssertEchoAsync(client, Encoding.ASCII.GetString(ProxyHeaders.V1(UpstreamClient, UpstreamVip)));
    }

    private static Task<ProxyFixture> StartAsync(TestServer server, RelayPath path, string? sendProxy = null, TimeSpan? connectTimeout = null) =>
        ProxyFixture.StartAsync(
            ProxyFixture.Config(
                [server.EndPoint],
                frontend: f => f with
                {
                    Settings = new ConfigSettings([new("accept_proxy", "true")]),
                    ConnectTimeout = connectTimeout ?? f.ConnectTimeout,
                },
                pool: p => sendProxy is null ? p : p with { Settings = new ConfigSettings([new("send_proxy", sendProxy)]) }),
            options: RelayPaths.Options(path));
}
