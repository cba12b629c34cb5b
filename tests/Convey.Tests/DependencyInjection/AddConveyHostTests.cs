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
    private readonly TcpListener _backend = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopBackend = new();
    private readonly Task _backendLoop;

    public AddConveyHostTests()
    {
        _backend.Start();
        _backendLoop = EchoAsync(_backend, _stopBackend.Token);
    }

    private IPEndPoint BackendEndPoint => (IPEndPoint)_backend.LocalEndpoint;

    [Fact]
    public async Task Host_starts_with_an_in_memory_config_serves_a_connection_and_stops_cleanly()
    {
        var config = Config(FreePort());
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
        var config = Config(FreePort());
        using var host = Build(config);
        await host.StartAsync().WaitAsync(Guard);
        var runtime = host.Services.GetRequiredService<ConveyRuntime>();
        var next = config with
        {
            Backends = [config.Backends[0] with { Servers = [.. config.Backends[0].Servers, new ServerConfig { Name = "s2", Address = new IPEndPoint(IPAddress.Loopback, 1) }] }],
        };

        host.Services.GetRequiredService<InMemoryConfigSource>().Update(next);
        var deadline = DateTime.UtcNow + Guard;
        while (!ReferenceEquals(runtime.Current.Config, next) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Same(next, runtime.Current.Config);
        Assert.Equal(2, runtime.Current.Pools["pool"].Servers.Length);
        await host.StopAsync().WaitAsync(Guard);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopBackend.CancelAsync();
        _backend.Stop();
        await _backendLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopBackend.Dispose();
    }

    private static IHost Build(ConveyConfig config)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Services.AddConvey().AddInMemoryConfig(config);
        return builder.Build();
    }

    private ConveyConfig Config(IPEndPoint listen) => new()
    {
        Frontends = [new FrontendConfig { Name = "front", ListenEndPoint = listen, Backend = "pool" }],
        Backends = [new BackendPoolConfig { Name = "pool", Servers = [new ServerConfig { Name = "s1", Address = BackendEndPoint }] }],
    };

    private static IPEndPoint FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }

    private static async Task AssertEchoThroughAsync(IPEndPoint frontend)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(frontend).WaitAsync(Guard);
        await client.SendAsync("ping"u8.ToArray());
        var buffer = new byte[4];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await client.ReceiveAsync(buffer.AsMemory(read)).AsTask().WaitAsync(Guard);
            Assert.NotEqual(0, n);
            read += n;
        }

        Assert.Equal("ping"u8.ToArray(), buffer);
    }

    private static async Task EchoAsync(TcpListener listener, CancellationToken stopping)
    {
        var connections = new List<Task>();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var socket = await listener.AcceptSocketAsync(stopping);
                connections.Add(Task.Run(async () =>
                {
                    using (socket)
                    {
                        var buffer = new byte[1024];
                        int n;
                        while ((n = await socket.ReceiveAsync(buffer, stopping)) > 0)
                        {
                            await socket.SendAsync(buffer.AsMemory(0, n), stopping);
                        }
                    }
                }, stopping));
            }
        }
        finally
        {
            await Task.WhenAll(connections).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
