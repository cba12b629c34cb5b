using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Convey.Configuration;
using Convey.Proxy.Inspection;
using Convey.Proxy.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Convey.Proxy.Tests.Inspection;

/// <summary>The public inspector API: an application's inspector (the example of docs/embedding.md) on real sockets.</summary>
public sealed class ApplicationInspectorTests : IAsyncLifetime
{
    private readonly TestServer _ssh = Named("ssh");
    private readonly TestServer _web = Named("web");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _ssh.DisposeAsync();
        await _web.DisposeAsync();
    }

    [Fact]
    public async Task An_application_inspector_chooses_the_pool_by_the_first_bytes_and_the_server_gets_them_all()
    {
        await using var proxy = await StartAsync([new("ssh_pool", "ssh")]);

        Assert.Equal("ssh|SSH-2.0-OpenSSH_9.6", await AskAsync(proxy.Frontend(), "SSH-2.0-OpenSSH_9.6"));
        Assert.Equal("web|GET / HTTP/1.1", await AskAsync(proxy.Frontend(), "GET / HTTP/1.1"));
    }

    [Fact]
    public async Task A_frontend_the_factory_declines_is_not_inspected()
    {
        await using var proxy = await StartAsync([]);

        Assert.Equal("web|SSH-2.0-OpenSSH_9.6", await AskAsync(proxy.Frontend(), "SSH-2.0-OpenSSH_9.6"));
    }

    [Fact]
    public async Task Behind_accept_proxy_the_application_inspector_sees_the_upstreams_client()
    {
        await using var proxy = await StartAsync([new("accept_proxy", "true"), new("ssh_pool", "ssh")]);
        var upstreamClient = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 2222);

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await client.SendAsync((byte[])[.. ProxyHeaders.V1(upstreamClient, new IPEndPoint(IPAddress.Parse("192.0.2.2"), 22)), .. "BLOCK"u8], SocketFlags.None);

        Assert.Empty(await Loopback.ReadToEndAsync(client, allowReset: true));
        await Eventually.TrueAsync(() => proxy.FrontendState().RejectedConnections == 1, "rejected by the application's inspector");
        Assert.Single(SshSplitter.Blocked, b => b.Equals(upstreamClient));
    }

    [Theory]
    [InlineData("THROW", "an inspector that throws")]
    [InlineData("NOWHERE", "a pool that does not exist")]
    public async Task An_inspector_that_fails_or_names_no_pool_rejects_the_connection(string start, string what)
    {
        await using var proxy = await StartAsync([new("ssh_pool", "ssh")]);

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await client.SendAsync(Encoding.ASCII.GetBytes(start), SocketFlags.None);

        Assert.Empty(await Loopback.ReadToEndAsync(client, allowReset: true));
        await Eventually.TrueAsync(() => proxy.FrontendState().RejectedConnections == 1, what);
        Assert.Equal(0, _ssh.Connections + _web.Connections);
    }

    private Task<ProxyFixture> StartAsync(KeyValuePair<string, string>[] settings) => ProxyFixture.StartAsync(
        new ConveyConfig
        {
            Frontends = [new FrontendConfig { Name = "front", ListenEndPoint = ProxyFixture.FrontendPort(), Pool = "web", Settings = new ConfigSettings(settings) }],
            Pools = [Pool("ssh", _ssh.EndPoint), Pool("web", _web.EndPoint)],
        },
        configure: builder => builder.AddConnectionInspector<SshSplitterFactory>().AddSettingsOwner<SshSplitterFactory>());

    private static BackendPoolConfig Pool(string name, IPEndPoint server) =>
        new() { Name = name, Servers = ImmutableArray.Create(new ServerConfig { Name = "s", Address = server }) };

    /// <summary>A server that reads a line of the client's and answers "NAME|line".</summary>
    private static TestServer Named(string name) => TestServer.Start(async socket =>
    {
        var line = Encoding.ASCII.GetString(await Loopback.ReadToEndAsync(socket));
        await socket.SendAsync(Encoding.ASCII.GetBytes($"{name}|{line}"), SocketFlags.None);
    });

    private static async Task<string> AskAsync(IPEndPoint frontend, string line)
    {
        using var client = await Loopback.ConnectAsync(frontend);
        await client.SendAsync(Encoding.ASCII.GetBytes(line), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);
        return Encoding.ASCII.GetString(await Loopback.ReadToEndAsync(client));
    }

    /// <summary>The factory of docs/embedding.md: frontends with <c>ssh_pool</c> get the splitter.</summary>
    private sealed class SshSplitterFactory : IConnectionInspectorFactory, IConfigSettingsOwner
    {
        public IReadOnlyCollection<string> FrontendKeys { get; } = ["ssh_pool"];

        public IConnectionInspector? Create(FrontendConfig frontend) =>
            frontend.Settings.TryGetValue("ssh_pool", out var pool) ? new SshSplitter(pool) : null;
    }

    /// <summary>The inspector of docs/embedding.md, plus two test-only first words: THROW fails, BLOCK rejects, NOWHERE names no pool.</summary>
    private sealed class SshSplitter(string sshPool) : IConnectionInspector
    {
        public static readonly System.Collections.Concurrent.ConcurrentBag<IPEndPoint> Blocked = [];

        public async ValueTask<InspectionResult> InspectAsync(ConnectionInspectionContext connection, CancellationToken cancellationToken)
        {
            while (true)
            {
                var read = await connection.Input.ReadAsync(cancellationToken);
                var buffer = read.Buffer;
                connection.Input.AdvanceTo(buffer.Start, buffer.End); // Only looked at: the server gets every byte.
                if (buffer.Length >= 4 || read.IsCompleted || read.IsCanceled)
                {
                    var start = Encoding.ASCII.GetString(buffer.FirstSpan[..(int)Math.Min(buffer.Length, 4)]);
                    switch (start)
                    {
                        case "SSH-":
                            connection.Pool = sshPool;
                            break;
                        case "THRO":
                            throw new InvalidOperationException("an inspector's bug");
                        case "NOWH":
                            connection.Pool = "nowhere";
                            break;
                        case "BLOC":
                            Blocked.Add(connection.ClientEndPoint);
                            return InspectionResult.Reject("blocked");
                    }

                    return InspectionResult.Continue;
                }
            }
        }
    }
}
