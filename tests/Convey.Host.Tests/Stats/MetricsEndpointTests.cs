using System.Net.Http;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Stats;

public class MetricsEndpointTests
{
    private const int Connections = 5, Request = 1_000, Reply = 3_000;

    [Fact]
    public async Task Metrics_parse_as_prometheus_text_and_carry_the_traffic_the_test_sent()
    {
        await using var first = TestBackend.ReadAllThenReply(Reply);
        await using var second = TestBackend.ReadAllThenReply(Reply);
        using var config = HostConfigFile.Write([("s1", first.EndPoint), ("s2", second.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        for (var i = 0; i < Connections; i++)
        {
            Assert.Equal(Reply, await Traffic.ExchangeAsync(config.Frontend, Request, CancellationToken.None));
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var samples = await Eventually.ReturnsAsync(
            async () => PrometheusText.Parse(await http.GetStringAsync($"{config.StatsUrl}/metrics")),
            s => s.Single("convey_frontend_active_connections", ("convey_frontend", "pool_in")) == 0);

        var frontend = ("convey_frontend", "pool_in");
        Assert.Equal(Connections, samples.Single("convey_frontend_connections_total", frontend));
        Assert.Equal(Connections * Request, samples.Single("convey_frontend_io_bytes_total", frontend, ("network_io_direction", "receive")));
        Assert.Equal(Connections * Reply, samples.Single("convey_frontend_io_bytes_total", frontend, ("network_io_direction", "transmit")));
        var pool = ("convey_pool", "pool");
        Assert.Equal(Connections, samples.Sum("convey_server_connections_total", pool));
        Assert.Equal(Connections * Request, samples.Sum("convey_server_io_bytes_total", pool, ("network_io_direction", "transmit")));
        Assert.Equal(Connections * Reply, samples.Sum("convey_server_io_bytes_total", pool, ("network_io_direction", "receive")));
        Assert.Equal(2, samples.Sum("convey_server_healthy", pool));
    }
}
