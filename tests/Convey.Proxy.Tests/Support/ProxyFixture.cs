using System.Collections.Immutable;
using System.Net;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Convey.Proxy.Tests.Support;

/// <summary>Convey as a host runs it (DI, ConveyService, runtime, proxy engine) on an in-memory configuration.</summary>
internal sealed class ProxyFixture : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private ProxyFixture(ServiceProvider services)
    {
        _services = services;
        Service = services.GetRequiredService<ConveyService>();
        Runtime = services.GetRequiredService<ConveyRuntime>();
        Engine = services.GetServices<IForwardingEngine>().OfType<ProxyEngine>().Single();
        Source = services.GetRequiredService<InMemoryConfigSource>();
    }

    public ConveyService Service { get; }

    public ConveyRuntime Runtime { get; }

    public ProxyEngine Engine { get; }

    public InMemoryConfigSource Source { get; }

    public static async Task<ProxyFixture> StartAsync(ConveyConfig config, TimeProvider? time = null, Action<ProxyEngineOptions>? options = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddConveyCore().AddInMemoryConfig(config).AddHealthProbe<HealthyProbe>().AddForwardingEngine<ProxyEngine>();
        if (options is not null)
        {
            services.Configure(options);
        }

        var fixture = new ProxyFixture(services.BuildServiceProvider());
        await fixture.Service.StartAsync(CancellationToken.None);
        return fixture;
    }

    /// <summary>A configuration with one frontend on a free port of <paramref name="listen"/> and one pool.</summary>
    public static ConveyConfig Config(
        IEnumerable<IPEndPoint> servers,
        Func<FrontendConfig, FrontendConfig>? frontend = null,
        Func<BackendPoolConfig, BackendPoolConfig>? pool = null,
        IPAddress? listen = null)
    {
        var front = new FrontendConfig { Name = "front", ListenEndPoint = Loopback.ClosedPort(listen), Backend = "pool" };
        var back = new BackendPoolConfig
        {
            Name = "pool",
            Servers = [.. servers.Select((address, i) => new ServerConfig { Name = $"s{i}", Address = address })],
        };
        return new ConveyConfig
        {
            Frontends = [frontend is null ? front : frontend(front)],
            Backends = [pool is null ? back : pool(back)],
        };
    }

    public IPEndPoint Frontend(string name = "front") =>
        Engine.GetListenEndPoint(name) ?? throw new InvalidOperationException($"Frontend {name} does not listen.");

    public FrontendState FrontendState(string name = "front") => Runtime.Current.Frontends[name];

    public ImmutableArray<ServerState> Servers(string pool = "pool") => Runtime.Current.Pools[pool].Servers;

    /// <summary>Hands a new snapshot to the running service and waits until it is applied.</summary>
    public async Task UpdateAsync(ConveyConfig config)
    {
        Source.Update(config);
        await Loopback.EventuallyAsync(() => ReferenceEquals(Runtime.Current.Config, config) && Engine.LastApplied == Runtime.Current, "reload applied");
    }

    public async ValueTask DisposeAsync()
    {
        await Service.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }
}
