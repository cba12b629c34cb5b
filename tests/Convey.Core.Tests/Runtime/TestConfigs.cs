using System.Diagnostics.Metrics;
using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.Options;

namespace Convey.Core.Tests.Runtime;

/// <summary>Small builders for configurations and runtimes used by the runtime, health and metrics tests.</summary>
internal static class TestConfigs
{
    /// <summary>The TOML of frontend <c>web</c> on 127.0.0.1:<paramref name="port"/> over pool <c>pool</c> with one server at <paramref name="server"/>.</summary>
    public static string WebToml(int port = 3000, string server = "127.0.0.1:8080") => $"""
        [frontends.web]
        listen_addr = "127.0.0.1:{port}"
        backend = "pool"

        [backends.pool.servers.s1]
        addr = "{server}"
        """;

    /// <summary>The address of the one server of the one pool <paramref name="runtime"/> runs, as text.</summary>
    public static string OnlyServerAddress(ConveyRuntime runtime) =>
        runtime.Current.Config.Pools.Single().Servers.Single().Address.ToString()!;

    public static ServerConfig Server(string name, int port, int weight = 1) =>
        new() { Name = name, Address = new IPEndPoint(IPAddress.Loopback, port), Weight = weight };

    public static BackendPoolConfig Pool(string name, params ServerConfig[] servers) =>
        new() { Name = name, Servers = [.. servers] };

    public static BackendPoolConfig Pool(string name, HealthCheckConfig health, params ServerConfig[] servers) =>
        new() { Name = name, Servers = [.. servers], HealthCheck = health };

    public static FrontendConfig Frontend(string name, int port, string backend, string? mode = null) =>
        new() { Name = name, ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port), Pool = backend, Mode = mode };

    public static ConveyConfig Config(BackendPoolConfig pool, params FrontendConfig[] frontends) =>
        new() { Pools = [pool], Frontends = [.. frontends] };

    public static ConveyConfig Config(IEnumerable<BackendPoolConfig> pools, IEnumerable<FrontendConfig> frontends) =>
        new() { Pools = [.. pools], Frontends = [.. frontends] };

    /// <summary>A config with one pool "web" of the given servers behind one proxy frontend "front".</summary>
    public static ConveyConfig Web(params ServerConfig[] servers) =>
        Config(Pool("web", servers), Frontend("front", 9000, "web"));

    /// <summary>A config with one pool "web" of the given servers and health settings behind one frontend.</summary>
    public static ConveyConfig Web(HealthCheckConfig health, params ServerConfig[] servers) =>
        Config(Pool("web", health, servers), Frontend("front", 9000, "web"));

    /// <summary>
    /// A runtime with round-robin, a stand-in "maglev" (real one: Balancing) and any extra policies, and stand-ins for
    /// the proxy and packet engines.
    /// </summary>
    public static ConveyRuntime CreateRuntime(params BackendSelectorRegistration[] extra)
    {
        BackendSelectorRegistration[] registrations =
        [
            new(BalancingPolicyNames.RoundRobin, _ => new RoundRobinSelector()),
            new(BalancingPolicyNames.Maglev, _ => new RoundRobinSelector()),
            .. extra,
        ];
        var registry = new BackendSelectorRegistry(registrations, NSubstitute.Substitute.For<IServiceProvider>());
        IForwardingEngine[] engines = [StandInEngine.Proxy(), StandInEngine.Packet()];
        return new ConveyRuntime(registry, Options.Create(new ConveyOptions()), () => engines, () => []);
    }

    /// <summary>Brings every pending server of every live pool up, as a first probe round that passes would.</summary>
    public static ConveyRuntime PassFirstProbes(this ConveyRuntime runtime)
    {
        foreach (var server in runtime.Current.Pools.Values.SelectMany(p => p.Servers).Where(s => s.IsPending))
        {
            server.SetHealthy(true);
        }

        return runtime;
    }

    public static ConveyMetrics CreateMetrics(ConveyRuntime runtime, IMeterFactory? meterFactory = null) =>
        new(meterFactory ?? new TestMeterFactory(), runtime);
}

/// <summary>A meter factory whose meters are scoped to it, as <c>MetricCollector</c> expects.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            _meters.ForEach(m => m.Dispose());
        }
    }
}
