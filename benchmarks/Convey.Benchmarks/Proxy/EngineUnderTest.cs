using System.Net;
using System.Net.Sockets;
using Convey.Configuration;
using Convey.DependencyInjection;
using Convey.Forwarding;
using Convey.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Convey.Benchmarks.Proxy;

/// <summary>The proxy engine as a host runs it (DI, <c>ConveyService</c>), started on a configuration of the benchmark's choosing.</summary>
internal sealed class EngineUnderTest : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly ProxyEngine _engine;

    private EngineUnderTest(ServiceProvider services)
    {
        _services = services;
        _engine = services.GetServices<IForwardingEngine>().OfType<ProxyEngine>().Single();
    }

    /// <summary>The address of the frontend "bench" of <see cref="StartAsync(IPEndPoint, Action{ProxyEngineOptions})"/>.</summary>
    public IPEndPoint Frontend => FrontendOf("bench");

    public IServiceProvider Services => _services;

    /// <summary>One frontend "bench" on a free loopback port in front of one server.</summary>
    public static Task<EngineUnderTest> StartAsync(IPEndPoint server, Action<ProxyEngineOptions> options) =>
        StartAsync(
            new ConveyConfig
            {
                Frontends = [new FrontendConfig { Name = "bench", ListenEndPoint = FreePort(), Pool = "pool" }],
                Pools = [new BackendPoolConfig { Name = "pool", Servers = [new ServerConfig { Name = "server", Address = server }] }],
            },
            options,
            _ => { });

    public static async Task<EngineUnderTest> StartAsync(ConveyConfig config, Action<ProxyEngineOptions> options, Action<IConveyBuilder> convey)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddConveyCore()
            .AddInMemoryConfig(config)
            .AddForwardingEngine<ProxyEngine>();
        convey(builder);
        services.Configure(options);
        var provider = services.BuildServiceProvider();
        foreach (var service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        return new EngineUnderTest(provider);
    }

    /// <summary>The address a frontend listens on.</summary>
    public IPEndPoint FrontendOf(string name) =>
        _engine.GetListenEndPoint(name) ?? throw new InvalidOperationException($"Frontend {name} does not listen.");

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services.GetServices<IHostedService>())
        {
            await service.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
    }

    /// <summary>A port free now on <paramref name="address"/> (loopback when null), for a frontend to listen on.</summary>
    public static IPEndPoint FreePort(IPAddress? address = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address ?? IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }
}
