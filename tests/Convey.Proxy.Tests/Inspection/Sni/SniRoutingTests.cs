using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Convey.Configuration;
using Convey.Proxy.Tests.Support;

namespace Convey.Proxy.Tests.Inspection.Sni;

/// <summary>
/// <c>[frontends.NAME.sni]</c>: TLS clients routed by the server name of their ClientHello, TLS passing through
/// untouched (every test completes a real handshake with the chosen server).
/// </summary>
public sealed class SniRoutingTests : IAsyncLifetime
{
    private readonly TestServer _api = Tls.Server("api");
    private readonly TestServer _web = Tls.Server("web");
    private readonly TestServer _fallback = Tls.Server("fallback");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _web.DisposeAsync();
        await _fallback.DisposeAsync();
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.All), MemberType = typeof(RelayPaths))]
    public async Task Clients_reach_the_pool_of_their_server_name_exact_names_before_wildcards(RelayPath path)
    {
        await using var proxy = await StartAsync(path);

        Assert.Equal("api", await Tls.AskAsync(proxy.Frontend(), "api.example.com"));
        Assert.Equal("api", await Tls.AskAsync(proxy.Frontend(), "API.Example.com"));
        Assert.Equal("web", await Tls.AskAsync(proxy.Frontend(), "www.example.com"));
        Assert.Equal("web", await Tls.AskAsync(proxy.Frontend(), "deep.www.example.com"));
        Assert.Equal("fallback", await Tls.AskAsync(proxy.Frontend(), "example.com"));
        Assert.Equal("fallback", await Tls.AskAsync(proxy.Frontend(), "other.org"));
        Assert.Equal("fallback", await Tls.AskAsync(proxy.Frontend(), "127.0.0.1"));
        Assert.Equal(0, proxy.FrontendState().RejectedConnections);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task A_ClientHello_that_arrives_byte_by_byte_is_routed_by_its_name(RelayPath path)
    {
        await using var proxy = await StartAsync(path);
        var hello = await Tls.CaptureClientHelloAsync("api.example.com");
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var recorder = TestServer.Start(async socket => received.TrySetResult(await Loopback.ReadExactlyAsync(socket, hello.Length)));
        await proxy.UpdateAsync(Config(proxy.Frontend(), path: null, api: recorder.EndPoint));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        foreach (var b in hello)
        {
            await client.SendAsync(new[] { b }, SocketFlags.None);
            await Task.Delay(1); // Pacing, so the bytes arrive in separate segments.
        }

        Assert.Equal(hello, await received.Task.WaitAsync(Eventually.Patience));
    }

    [Fact]
    public async Task A_ClientHello_in_many_small_records_is_routed_and_forwarded_whole()
    {
        await using var proxy = await StartAsync(RelayPath.EventLoop);
        var hello = ClientHellos.InRecords(ClientHellos.Message(await Tls.CaptureClientHelloAsync("www.example.com")), 16);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var recorder = TestServer.Start(async socket => received.TrySetResult(await Loopback.ReadExactlyAsync(socket, hello.Length)));
        await proxy.UpdateAsync(Config(proxy.Frontend(), path: null, web: recorder.EndPoint));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await client.SendAsync(hello, SocketFlags.None);

        Assert.Equal(hello, await received.Task.WaitAsync(Eventually.Patience));
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task What_is_not_TLS_goes_to_the_fallback_by_default(RelayPath path)
    {
        await using var echo = TestServer.Echo();
        await using var proxy = await StartAsync(path, fallback: echo.EndPoint);

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await Loopback.AssertEchoAsync(client, "GET / HTTP/1.1\r\nHost: plain\r\n\r\n");
        await Loopback.AssertEchoAsync(client, "and the rest");
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task A_silent_client_goes_to_the_fallback_after_connect_timeout_and_is_relayed_from_then_on(RelayPath path)
    {
        await using var banner = TestServer.Start(async socket =>
        {
            await socket.SendAsync("220 ready\r\n"u8.ToArray(), SocketFlags.None);
            var request = await Loopback.ReadExactlyAsync(socket, 4);
            await socket.SendAsync(request, SocketFlags.None);
        });
        await using var proxy = await StartAsync(path, fallback: banner.EndPoint, connectTimeout: TimeSpan.FromMilliseconds(300));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        Assert.Equal("220 ready\r\n", Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(client, 11)));
        await Loopback.AssertEchoAsync(client, "QUIT");
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task With_no_client_hello_reject_what_is_not_TLS_and_silence_are_closed_and_counted(RelayPath path)
    {
        await using var proxy = await StartAsync(path, connectTimeout: TimeSpan.FromMilliseconds(300), noClientHello: "reject");

        using var plain = await Loopback.ConnectAsync(proxy.Frontend());
        await plain.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), SocketFlags.None);
        using var silent = await Loopback.ConnectAsync(proxy.Frontend());
        using var cut = await Loopback.ConnectAsync(proxy.Frontend());
        var hello = await Tls.CaptureClientHelloAsync("api.example.com");
        await cut.SendAsync(hello.AsMemory(0, hello.AsSpan().IndexOf("api.example.com"u8)), SocketFlags.None); // Cut before the name.
        cut.Shutdown(SocketShutdown.Send);

        Assert.Empty(await Loopback.ReadToEndAsync(plain, allowReset: true));
        Assert.Empty(await Loopback.ReadToEndAsync(silent, allowReset: true));
        Assert.Empty(await Loopback.ReadToEndAsync(cut, allowReset: true));
        await Eventually.TrueAsync(() => proxy.FrontendState().RejectedConnections == 3, "three rejections counted");
        Assert.Equal(0, _fallback.Connections + _api.Connections);
        Assert.Equal("api", await Tls.AskAsync(proxy.Frontend(), "api.example.com"));
    }

    [Fact]
    public async Task Behind_a_PROXY_upstream_the_header_is_read_first_and_the_server_is_told_the_upstreams_client()
    {
        var upstreamClient = new IPEndPoint(IPAddress.Parse("198.51.100.20"), 50000);
        var told = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var api = TestServer.Start(async socket =>
        {
            told.TrySetResult((await ProxyHeaders.ReadV1Async(socket)).Source);
            await using var tls = new System.Net.Security.SslStream(new NetworkStream(socket, ownsSocket: false));
        });
        await using var proxy = await ProxyFixture.StartAsync(
            Config(ProxyFixture.FrontendPort(), RelayPath.EventLoop, api: api.EndPoint, extra: [new("accept_proxy", "true")], apiSendProxy: "v1"),
            options: RelayPaths.Options(RelayPath.EventLoop));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        var hello = await Tls.CaptureClientHelloAsync("api.example.com");
        await client.SendAsync((byte[])[.. ProxyHeaders.V1(upstreamClient, new IPEndPoint(IPAddress.Parse("203.0.113.1"), 443)), .. hello], SocketFlags.None);

        Assert.Equal(upstreamClient, await told.Task.WaitAsync(Eventually.Patience));
    }

    [Fact]
    public async Task A_reload_that_changes_the_routes_applies_to_new_connections()
    {
        await using var proxy = await StartAsync(RelayPath.EventLoop);
        Assert.Equal("web", await Tls.AskAsync(proxy.Frontend(), "new.example.com"));

        await proxy.UpdateAsync(Config(proxy.Frontend(), path: null, extraRoutes: [new("sni:new.example.com", "api")]));

        Assert.Equal("api", await Tls.AskAsync(proxy.Frontend(), "new.example.com"));
        Assert.Equal("web", await Tls.AskAsync(proxy.Frontend(), "old.example.com"));
    }

    [Fact]
    public async Task The_keys_load_from_a_TOML_file_as_the_documentation_writes_them()
    {
        var listen = ProxyFixture.FrontendPort();
        var path = Path.Combine(Path.GetTempPath(), $"convey-sni-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, $$"""
            [frontends.tls]
            listen_addr = "{{listen}}"
            backend = "default_pool"
            no_client_hello = "reject"
            accept_proxy = true

            [frontends.tls.sni]
            "api.example.com" = "api_pool"
            "*.example.com" = "web_pool"

            [backends.api_pool.servers.a]
            addr = "{{_api.EndPoint}}"

            [backends.web_pool.servers.a]
            addr = "{{_web.EndPoint}}"

            [backends.default_pool.servers.a]
            addr = "{{_fallback.EndPoint}}"
            """);
        try
        {
            await using var proxy = await ProxyFixture.StartFromTomlAsync(path);
            var header = ProxyHeaders.V1(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 1234), new IPEndPoint(IPAddress.Parse("203.0.113.1"), 443));

            foreach (var (host, pool) in new[] { ("api.example.com", "api"), ("www.example.com", "web"), ("example.net", "fallback") })
            {
                using var client = await Loopback.ConnectAsync(proxy.Frontend("tls"));
                await client.SendAsync(header, SocketFlags.None);
                Assert.Equal(pool, await Tls.AskAsync(client, host));
            }

            using var plain = await Loopback.ConnectAsync(proxy.Frontend("tls"));
            await plain.SendAsync((byte[])[.. header, .. "GET /"u8], SocketFlags.None);
            Assert.Empty(await Loopback.ReadToEndAsync(plain, allowReset: true));
            await Eventually.TrueAsync(() => proxy.FrontendState("tls").RejectedConnections == 1, "the plain client rejected");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private Task<ProxyFixture> StartAsync(RelayPath path, IPEndPoint? fallback = null, TimeSpan? connectTimeout = null, string? noClientHello = null) =>
        ProxyFixture.StartAsync(
            Config(ProxyFixture.FrontendPort(), path, fallback: fallback, connectTimeout: connectTimeout, noClientHello: noClientHello),
            options: RelayPaths.Options(path));

    private ConveyConfig Config(
        IPEndPoint listen,
        RelayPath? path,
        IPEndPoint? api = null,
        IPEndPoint? web = null,
        IPEndPoint? fallback = null,
        TimeSpan? connectTimeout = null,
        string? noClientHello = null,
        KeyValuePair<string, string>[]? extra = null,
        KeyValuePair<string, string>[]? extraRoutes = null,
        string? apiSendProxy = null)
    {
        _ = path;
        var settings = new List<KeyValuePair<string, string>>
        {
            new("sni:api.example.com", "api"),
            new("sni:*.example.com", "web"),
        };
        if (noClientHello is not null)
        {
            settings.Add(new("no_client_hello", noClientHello));
        }

        settings.AddRange(extra ?? []);
        settings.AddRange(extraRoutes ?? []);
        return new ConveyConfig
        {
            Frontends =
            [
                new FrontendConfig
                {
                    Name = "front",
                    ListenEndPoint = listen,
                    Pool = "fallback",
                    ConnectTimeout = connectTimeout ?? FrontendConfig.DefaultConnectTimeout,
                    Settings = new ConfigSettings(settings),
                },
            ],
            Pools =
            [
                Pool("api", api ?? _api.EndPoint, apiSendProxy),
                Pool("web", web ?? _web.EndPoint),
                Pool("fallback", fallback ?? _fallback.EndPoint),
            ],
        };
    }

    private static BackendPoolConfig Pool(string name, IPEndPoint server, string? sendProxy = null) => new()
    {
        Name = name,
        Servers = ImmutableArray.Create(new ServerConfig { Name = "s", Address = server }),
        Settings = sendProxy is null ? ConfigSettings.Empty : new ConfigSettings([new("send_proxy", sendProxy)]),
    };
}
