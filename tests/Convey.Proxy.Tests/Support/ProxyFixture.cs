using System.Collections.Concurrent;
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
    /// <summary>Frontend ports handed out by <see cref="FrontendPort"/> that no fixture has listened on yet.</summary>
    private static readonly ConcurrentDictionary<IPEndPoint, ReservedPort> Unclaimed = new();

    private readonly ServiceProvider _services;
    private readonly List<ReservedPort> _claimed = [];

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
            probeServers,
            config);

    /// <summary>Runs from a TOML file, as the host does, with a short debounce so a test can rewrite it often.</summary>
    public static Task<ProxyFixture> StartFromTomlAsync(string path, Action<ProxyEngineOptions>? options = null) =>
        StartAsync(
            builder => builder.Services.AddSingleton<IConfigSource>(
                new TomlFileConfigSource(path, TimeProvider.System, NullLogger<TomlFileConfigSource>.Instance, debounce: TimeSpan.FromMilliseconds(20))),
            options: options);

    private static async Task<ProxyFixture> StartAsync(
        Action<IConveyBuilder> source, TimeProvider? time = null, Action<ProxyEngineOptions>? options = null, bool probeServers = false, ConveyConfig? config = null)
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
            if (config is not null)
            {
                fixture.ClaimPorts(config);
            }

            await fixture.Service.StartAsync(CancellationToken.None);
            fixture.ClaimPorts(fixture.Runtime.Current.Config);
        }
        catch
        {
            // A refused start (the host stops): close what the engine opened before the failure.
            await fixture.ReleaseAsync();
            throw;
        }

        return fixture;
    }

    /// <summary>
    /// A loopback port for a frontend, reserved (<see cref="ReservedPort"/>) until the fixture whose configuration
    /// listens there is disposed: connecting is refused while nothing listens, and no other test can take it.
    /// </summary>
    public static IPEndPoint FrontendPort(IPAddress? address = null)
    {
        var port = new ReservedPort(address);
        Unclaimed[port.EndPoint] = port;
        return port.EndPoint;
    }

    /// <summary>A listener on a port from <see cref="FrontendPort"/> that no fixture listens on yet (see <see cref="ReservedPort.Occupy"/>).</summary>
    public static System.Net.Sockets.Socket OccupyFrontendPort(IPEndPoint endPoint) => Unclaimed[endPoint].Occupy();

    /// <summary>A configuration with one frontend on a free port of <paramref name="listen"/> and one pool.</summary>
    public static ConveyConfig Config(
        IEnumerable<IPEndPoint> servers,
        Func<FrontendConfig, FrontendConfig>? frontend = null,
        Func<BackendPoolConfig, BackendPoolConfig>? pool = null,
        IPAddress? listen = null)
    {
        var front = new FrontendConfig { Name = "front", ListenEndPoint = FrontendPort(listen), Pool = "pool" };
        var back = new BackendPoolConfig
        {
            Name = "pool",
            Servers = [.. servers.Select((address, i) => new ServerConfig { Name = $"s{i}", Address = address })],
        };
        return new ConveyConfig
        {
            Frontends = [frontend is null ? front : frontend(front)],
            Pools = [pool is null ? back : pool(back)],
        };
    }

    public IPEndPoint Frontend(string name = "front") =>
        Engine.GetListenEndPoint(name) ?? throw new InvalidOperationException($"Frontend {name} does not listen.");

    public FrontendState FrontendState(string name = "front") => Runtime.Current.Frontends[name];

    public ImmutableArray<ServerState> Servers(string pool = "pool") => Runtime.Current.Pools[pool].Servers;

    /// <summary>Hands a new snapshot to the running service and waits until it is applied.</summary>
    public async Task UpdateAsync(ConveyConfig config)
    {
        ClaimPorts(config);
        (Source ?? throw new InvalidOperationException("This fixture runs from a file.")).Update(config);
        await Eventually.TrueAsync(() => ReferenceEquals(Runtime.Current.Config, config) && Engine.LastApplied == Runtime.Current, "reload applied");
    }

    /// <summary>Rewrites the TOML file and waits until the engine runs what it says.</summary>
    public async Task RewriteAsync(string path, ConveyConfig config)
    {
        ClaimPorts(config);
        TomlText.Write(path, config);
        await Eventually.TrueAsync(() => TomlText.SameShape(Runtime.Current.Config, config) && Engine.LastApplied == Runtime.Current, "file reload applied");
    }

    public async ValueTask DisposeAsync()
    {
        await Service.StopAsync(CancellationToken.None);
        await ReleaseAsync();
    }

    private async Task ReleaseAsync()
    {
        await _services.DisposeAsync();
        foreach (var port in _claimed)
        {
            port.Dispose();
        }
    }

    /// <summary>Takes over the reservations of the frontend ports <paramref name="config"/> listens on, to release them at disposal.</summary>
    private void ClaimPorts(ConveyConfig config)
    {
        foreach (var frontend in config.Frontends)
        {
            if (Unclaimed.TryRemove(frontend.ListenEndPoint, out var port))
            {
                _claimed.Add(port);
            }
        }
    }
}
