using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Convey.Configuration;
using Convey.Health;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Convey.Tests.DependencyInjection;

/// <summary>AddConvey inside a generic host, on loopback: one echo backend, one proxy frontend on a free port.</summary>
public sealed class AddConveyHostTests : IAsyncDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly TestServer _backend = TestServer.Echo();
    private readonly ReservedPort _frontendPort = new();

    [Fact]
    public async Task Host_starts_with_an_in_memory_config_serves_a_connection_and_stops_cleanly()
    {
        var config = Config();
        using var host = Build(config);

        await host.StartAsync().WaitAsync(Guard);
        var runtime = host.Services.GetRequiredService<ConveyRuntime>();
        Assert.Same(config, runtime.Current.Config);
        Assert.Equal([runtime.Current.Pools["pool"]], host.Services.GetRequiredService<HealthCoordinator>().MonitoredPools);
        Assert.Same(host.Services.GetRequiredService<IMeterFactory>(), host.Services.GetRequiredService<ConveyMetrics>().Meter.Scope);
        await AssertEchoThroughAsync(config.Frontends[0].ListenEndPoint);
        Assert.Equal(1, StatsSnapshot.Capture(runtime).TotalConnections);

        await host.StopAsync().WaitAsync(Guard);

        using var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await refused.ConnectAsync(config.Frontends[0].ListenEndPoint).WaitAsync(Guard));
    }

    [Fact]
    public async Task Updating_the_in_memory_source_reloads_the_running_host()
    {
        var config = Config();
        using var host = Build(config);
        await host.StartAsync().WaitAsync(Guard);
        var runtime = host.Services.GetRequiredService<ConveyRuntime>();
        var next = config with
        {
            Pools = [config.Pools[0] with { Servers = [.. config.Pools[0].Servers, new ServerConfig { Name = "s2", Address = new IPEndPoint(IPAddress.Loopback, 1) }] }],
        };

        host.Services.GetRequiredService<InMemoryConfigSource>().Update(next);
        await Eventually.TrueAsync(() => ReferenceEquals(runtime.Current.Config, next), "the update is applied");

        Assert.Equal(2, runtime.Current.Pools["pool"].Servers.Length);
        await host.StopAsync().WaitAsync(Guard);
    }

    public async ValueTask DisposeAsync()
    {
        await _backend.DisposeAsync();
        _frontendPort.Dispose();
    }

    private static IHost Build(ConveyConfig config)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Services.AddConvey().AddInMemoryConfig(config);
        return builder.Build();
    }

    private ConveyConfig Config() => new()
    {
        Frontends = [new FrontendConfig { Name = "front", ListenEndPoint = _frontendPort.EndPoint, Pool = "pool" }],
        Pools = [new BackendPoolConfig { Name = "pool", Servers = [new ServerConfig { Name = "s1", Address = _backend.EndPoint }] }],
    };

    private static async Task AssertEchoThroughAsync(IPEndPoint frontend)
    {
        using var client = await Loopback.ConnectAsync(frontend);
        await Loopback.AssertEchoAsync(client, "ping");
    }
}
