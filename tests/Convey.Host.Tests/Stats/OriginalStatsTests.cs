using System.Net.Http;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Stats;

/// <summary>The original Convey's stats test replayed against the host: its keys, and its byte directions everywhere.</summary>
public class OriginalStatsTests
{
    private const int Sent = 12_345, Returned = 54_321;

    [Fact]
    public async Task Bytes_tx_count_client_to_server_and_bytes_rx_server_to_client_in_frontends_backends_and_totals()
    {
        await using var backend = TestServer.ReadAllThenReply(Returned);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        Assert.Equal(Returned, await Loopback.ExchangeAsync(config.Frontend, Sent));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var stats = await Eventually.ReturnsAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync($"{config.StatsUrl}/stats")),
            json => json.RootElement.GetProperty("current_connections").GetInt64() == 0
                && json.RootElement.GetProperty("total_bytes_rx").GetInt64() == Returned,
            "/stats shows the connection closed and its bytes");
        var root = stats.RootElement;
        var frontend = root.GetProperty("frontends").GetProperty("pool_in");
        var pool = root.GetProperty("backends").GetProperty("pool");
        foreach (var (scope, tx, rx) in new[] { (frontend, "bytes_tx", "bytes_rx"), (pool, "bytes_tx", "bytes_rx"), (root, "total_bytes_tx", "total_bytes_rx") })
        {
            Assert.Equal(Sent, scope.GetProperty(tx).GetInt64());
            Assert.Equal(Returned, scope.GetProperty(rx).GetInt64());
            Assert.Equal(1, scope.GetProperty("total_connections").GetInt64());
            Assert.Equal(0, scope.GetProperty("current_connections").GetInt64());
        }

        Assert.True(pool.GetProperty("servers").GetProperty(backend.EndPoint.ToString()).GetBoolean());
    }
}
