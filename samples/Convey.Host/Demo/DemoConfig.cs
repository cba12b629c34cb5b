using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Convey.Configuration;
using Convey.Host.Stats;

namespace Convey.Host.Demo;

/// <summary>The configuration <c>--demo</c> runs: a proxy frontend on 127.0.0.1:8080 over the demo backends, stats on 127.0.0.1:7000.</summary>
internal static class DemoConfig
{
    /// <summary>The demo's proxy listener.</summary>
    public static readonly IPEndPoint Frontend = new(IPAddress.Loopback, 8080);

    /// <summary>The demo's stats listener.</summary>
    public static readonly IPEndPoint Stats = new(IPAddress.Loopback, 7000);

    /// <summary>Builds the configuration over <paramref name="backends"/>.</summary>
    public static ConveyConfig For(IReadOnlyList<DemoBackend> backends) => new()
    {
        Source = "--demo",
        Frontends =
        [
            new FrontendConfig
            {
                Name = "demo",
                ListenEndPoint = Frontend,
                Pool = "demo_backends",
                // In-process loopback backends can only be reached by the proxy engine, whatever -p/-d say.
                Mode = "proxy",
                DrainTimeout = TimeSpan.FromSeconds(5),
            },
        ],
        Pools =
        [
            new BackendPoolConfig
            {
                Name = "demo_backends",
                Servers = [.. backends.Select(b => new ServerConfig { Name = b.Name, Address = b.EndPoint })],
                HealthCheck = new HealthCheckConfig { Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(1) },
            },
        ],
        Sections = ImmutableDictionary<string, ConfigSettings>.Empty.Add(StatsSettings.Section, new ConfigSettings(
        [
            new(StatsSettings.PortKey, Stats.Port.ToString(CultureInfo.InvariantCulture)),
            new(StatsSettings.ListenAddrKey, Stats.Address.ToString()),
        ])),
    };
}
