using System.Net;
using System.Net.Http;
using Convey.Configuration;
using Convey.Host.Stats;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Stats;

public class MetricSeriesLimitTests
{
    [Fact]
    public void A_small_configuration_gets_the_floor()
    {
        Assert.Equal(MetricSeriesLimit.Floor, MetricSeriesLimit.For(Config(frontends: 1, servers: 2)));
    }

    [Fact]
    public void A_large_configuration_gets_room_for_four_times_its_frontends_and_servers()
    {
        Assert.Equal(4 * (3 + 200), MetricSeriesLimit.For(Config(frontends: 3, servers: 200)));
    }

    [Fact]
    public async Task Metrics_export_every_server_of_a_pool_larger_than_the_floor()
    {
        const int Servers = MetricSeriesLimit.Floor + 22;
        var ports = Enumerable.Range(0, Servers).Select(_ => new ReservedPort()).ToList();
        try
        {
            using var config = HostConfigFile.Write([.. ports.Select((port, i) => ($"s{i}", port.EndPoint))]);
            await using var host = HostProcess.Start([$"--config={config.Path}"]);
            await host.WaitForOutputAsync("Application started");

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var samples = PrometheusText.Parse(await http.GetStringAsync($"{config.StatsUrl}/metrics"));

            var weights = samples.Where(s => s.Name == "convey_server_weight").ToList();
            Assert.Equal(Servers, weights.Count);
            Assert.Equal(
                ports.Select(p => p.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal),
                weights.Select(s => s.Labels["server_port"]).Order(StringComparer.Ordinal));
            Assert.DoesNotContain(samples, s => s.Labels.ContainsKey("otel_metric_overflow"));
        }
        finally
        {
            foreach (var port in ports)
            {
                port.Dispose();
            }
        }
    }

    private static ConveyConfig Config(int frontends, int servers) => new()
    {
        Frontends =
        [
            .. Enumerable.Range(0, frontends).Select(i => new FrontendConfig
            {
                Name = $"f{i}", ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 1000 + i), Pool = "p",
            }),
        ],
        Pools =
        [
            new BackendPoolConfig
            {
                Name = "p",
                Servers = [.. Enumerable.Range(0, servers).Select(i => new ServerConfig { Name = $"s{i}", Address = new IPEndPoint(IPAddress.Loopback, 2000 + i) })],
            },
        ],
    };
}
