using System.Collections.Immutable;
using System.Net;
using Convey.Configuration;
using Convey.DependencyInjection;
using Convey.Forwarding;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

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
        Source = services.GetService<InMemoryConfigSource>();
        Metrics = services.GetRequiredService<Convey.Metrics.ConveyMetrics>();
    }

    public Convey.Metrics.ConveyMetrics Metrics { get; }

    public ConveyService Service { get; }

    public ConveyRuntime Runtime { get; }

    public ProxyEngine Engine { get; }

    /// <summary>The in-memory source, or null when the fixture runs from a TOML file.</summary>
    public InMemoryConfigSource? Source { get; }

    /// <summary>
    /// Starts on an in-memory configuration; servers count as up unless <paramref name="probeServers"/> runs the real
    /// TCP probe. <paramref name="configure"/> adds to the builder (a balancing policy of the test's own).
    /// </summary>
    public static Task<ProxyFixture> StartAsync(
        ConveyConfig config,
        TimeProvider? time = null,
        Action<ProxyEngineOptions>? options = null,
        bool probeServers = false,
        Action<IConveyBuilder>? configure = null) =>
        StartAsync(
            builder =>
            {
                builder.AddInMemoryConfig(config);
                configure?.Invoke(builder);
            },
            time,
            options,
            probeServers);

    /// <summary>Runs from a TOML file, as the host does, with a short debounce so a test can rewrite it often.</summary>
    public static Task<ProxyFixture> StartFromTomlAsync(string path) =>
        StartAsync(builder => builder.Services.AddSingleton<IConfigSource>(
            new TomlFileConfigSource(path, TimeProvider.System, NullLogger<TomlFileConfigSource>.Instance, debounce: TimeSpan.FromMilliseconds(20))));

    private static async Task<ProxyFixture> StartAsync(Action<IConveyBuilder> source, TimeProvider? time = null, Action<ProxyEngineOptions>? options = null, bool probeServers = false)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        var builder = services.AddConveyCore().AddForwardingEngine<ProxyEngine>();
        if (!probeServers)
        {
            builder.AddHealthProbe<HealthyProbe>();
        }

        source(builder);
        if (options is not null)
        {
            services.Configure(options);
        }

        var fixture = new ProxyFixture(services.BuildServiceProvider());
        try
        {
            await fixture.Service.StartAsync(CancellationToken.None);
        }
        catch
        {
            // A refused start (the host stops): close what the engine opened before the failure.
            await fixture._services.DisposeAsync();
            throw;
        }

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
        (Source ?? throw new InvalidOperationException("This fixture runs from a file.")).Update(config);
        await Loopback.EventuallyAsync(() => ReferenceEquals(Runtime.Current.Config, config) && Engine.LastApplied == Runtime.Current, "reload applied");
    }

    /// <summary>Rewrites the TOML file and waits until the engine runs what it says.</summary>
    public async Task RewriteAsync(string path, ConveyConfig config)
    {
        TomlText.Write(path, config);
        await Loopback.EventuallyAsync(() => TomlText.SameShape(Runtime.Current.Config, config) && Engine.LastApplied == Runtime.Current, "file reload applied");
    }

    public async ValueTask DisposeAsync()
    {
        await Service.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }
}
