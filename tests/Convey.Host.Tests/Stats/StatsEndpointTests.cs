using System.Net.Http;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Stats;

public class StatsEndpointTests
{
    private const int Connections = 5, Request = 1_000, Reply = 3_000;

    [Fact]
    public async Task Stats_json_and_prometheus_metrics_match_the_traffic_the_test_sent()
    {
        await using var first = TestServer.ReadAllThenReply(Reply);
        await using var second = TestServer.ReadAllThenReply(Reply);
        using var config = HostConfigFile.Write([("s1", first.EndPoint), ("s2", second.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        for (var i = 0; i < Connections; i++)
        {
            Assert.Equal(Reply, await Loopback.ExchangeAsync(config.Frontend, Request));
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var stats = await Eventually.ReturnsAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync($"{config.StatsUrl}/stats")),
            json => json.RootElement.GetProperty("current_connections").GetInt64() == 0,
            "/stats shows every connection closed");
        var samples = PrometheusText.Parse(await http.GetStringAsync($"{config.StatsUrl}/metrics"));

        var root = stats.RootElement;
        Assert.Equal(Connections, root.GetProperty("total_connections").GetInt64());
        Assert.Equal(Connections * Request, root.GetProperty("total_bytes_tx").GetInt64());
        Assert.Equal(Connections * Reply, root.GetProperty("total_bytes_rx").GetInt64());
        var frontend = root.GetProperty("frontends").GetProperty("pool_in");
        Assert.Equal(config.Frontend.ToString(), frontend.GetProperty("listen_addr").GetString());
        Assert.Equal(Connections, frontend.GetProperty("total_connections").GetInt64());
        var pool = root.GetProperty("backends").GetProperty("pool");
        Assert.True(pool.GetProperty("servers").GetProperty(first.EndPoint.ToString()).GetBoolean());
        Assert.True(pool.GetProperty("servers").GetProperty(second.EndPoint.ToString()).GetBoolean());
        var servers = pool.GetProperty("server_details").EnumerateObject().Select(p => p.Value).ToArray();
        Assert.Equal(2, servers.Length);
        Assert.All(servers, s => Assert.Equal(1, s.GetProperty("weight").GetInt32()));
        Assert.All(servers, s => Assert.False(s.GetProperty("draining").GetBoolean()));
        Assert.Equal(Connections, servers.Sum(s => s.GetProperty("total_connections").GetInt64()));
        Assert.Equal(Connections * Request, servers.Sum(s => s.GetProperty("bytes_tx").GetInt64()));
        Assert.Equal(Connections * Reply, servers.Sum(s => s.GetProperty("bytes_rx").GetInt64()));

        var frontendLabel = ("convey_frontend", "pool_in");
        Assert.Equal(Connections, samples.Single("convey_frontend_connections_total", frontendLabel));
        Assert.Equal(Connections * Request, samples.Single("convey_frontend_io_bytes_total", frontendLabel, ("network_io_direction", "receive")));
        Assert.Equal(Connections * Reply, samples.Single("convey_frontend_io_bytes_total", frontendLabel, ("network_io_direction", "transmit")));
        var poolLabel = ("convey_pool", "pool");
        Assert.Equal(Connections, samples.Sum("convey_server_connections_total", poolLabel));
        Assert.Equal(Connections * Request, samples.Sum("convey_server_io_bytes_total", poolLabel, ("network_io_direction", "transmit")));
        Assert.Equal(Connections * Reply, samples.Sum("convey_server_io_bytes_total", poolLabel, ("network_io_direction", "receive")));
        Assert.Equal(2, samples.Sum("convey_server_healthy", poolLabel));
        foreach (var server in servers)
        {
            var address = server.GetProperty("address").GetString()!.Split(':');
            Assert.Equal(server.GetProperty("total_connections").GetInt64(),
                samples.Single("convey_server_connections_total", poolLabel, ("server_address", address[0]), ("server_port", address[1])));
        }
    }

    [Fact]
    public async Task Stats_listener_binds_only_the_configured_loopback_address()
    {
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        Assert.Contains($"Now listening on: http://{config.Stats}", host.Output, StringComparison.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync($"http://127.0.0.2:{config.Stats!.Port}/stats"));
    }
}
