using System.Net;
using System.Net.Sockets;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Convey.Benchmarks.Proxy;

/// <summary>The proxy engine as a host runs it (DI, <c>ConveyService</c>): one frontend on a free loopback port in front of one server.</summary>
internal sealed class EngineUnderTest : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private EngineUnderTest(ServiceProvider services, IPEndPoint frontend)
    {
        _services = services;
        Frontend = frontend;
    }

    public IPEndPoint Frontend { get; }

    public static async Task<EngineUnderTest> StartAsync(IPEndPoint server, Action<ProxyEngineOptions> options)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddConveyCore()
            .AddInMemoryConfig(new ConveyConfig
            {
                Frontends = [new FrontendConfig { Name = "bench", ListenEndPoint = FreePort(), Backend = "pool" }],
                Backends = [new BackendPoolConfig { Name = "pool", Servers = [new ServerConfig { Name = "server", Address = server }] }],
            })
            .AddForwardingEngine<ProxyEngine>();
        services.Configure(options);
        var provider = services.BuildServiceProvider();
        foreach (var service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        var frontend = provider.GetServices<IForwardingEngine>().OfType<ProxyEngine>().Single().GetListenEndPoint("bench")!;
        return new EngineUnderTest(provider, frontend);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services.GetServices<IHostedService>())
        {
            await service.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
    }

    private static IPEndPoint FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }
}
