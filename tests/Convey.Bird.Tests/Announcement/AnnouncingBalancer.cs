using System.Globalization;
using System.Net;
using Convey.Configuration;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Convey.Bird.Tests.Announcement;

/// <summary>
/// Convey as an application embeds it (<c>AddConvey()</c>, a generic host), with one proxy frontend on a reserved
/// loopback port over pool <c>pool</c> (health checks every second, one failure takes a server down) and an
/// <c>[announce]</c> section naming the test's BIRD; its log is collected.
/// </summary>
internal sealed class AnnouncingBalancer : IAsyncDisposable
{
    private readonly ReservedPort _frontend;

    private AnnouncingBalancer(IHost host, ReservedPort frontend)
    {
        Host = host;
        _frontend = frontend;
    }

    public IHost Host { get; }

    public IPEndPoint Frontend => _frontend.EndPoint;

    /// <summary>The configuration source, to apply another configuration as a reload.</summary>
    public InMemoryConfigSource Source => Host.Services.GetRequiredService<InMemoryConfigSource>();

    public FakeLogCollector Log => Host.Services.GetRequiredService<FakeLogCollector>();

    /// <summary>The <c>announce</c> object of the stats.</summary>
    public AnnounceStats? Announce => Host.Services.GetRequiredService<ConveyBalancer>().GetStats().Announce;

    public static async Task<AnnouncingBalancer> StartAsync(BirdDaemon bird, IPEndPoint server, double withdrawDelay = 2, string? birdcl = null)
    {
        var frontend = new ReservedPort();
        var toml = string.Create(CultureInfo.InvariantCulture, $"""
            [frontends.web]
            listen_addr = "{frontend.EndPoint}"
            backend = "pool"
            drain_timeout = 5

            [backends.pool]
            health_check_interval = 1
            health_check_timeout = 1
            rise = 1
            fall = 1
              [backends.pool.servers.s1]
              addr = "{server}"

            [announce]
            bird_socket = "{bird.SocketPath}"
            protocol = "{BirdDaemon.Protocol}"
            withdraw_delay = {withdrawDelay}
            {(birdcl is null ? "" : $"birdcl = \"{birdcl}\"")}

            """);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.ClearProviders().AddFakeLogging();
        builder.Services.AddConvey().AddInMemoryConfig(TomlConfigReader.Parse(toml, "convey.toml"));
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            return new AnnouncingBalancer(host, frontend);
        }
        catch
        {
            host.Dispose();
            frontend.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        _frontend.Dispose();
    }
}
