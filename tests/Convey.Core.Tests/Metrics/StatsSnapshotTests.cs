using System.Text.Json;
using Convey.Forwarding;
using Convey.Metrics;
using Convey.Runtime;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Metrics;

public class StatsSnapshotTests
{
    private readonly ConveyRuntime _runtime = CreateRuntime();

    public StatsSnapshotTests()
    {
        _runtime.Apply(Config(
            [Pool("web", Server("a", 8001, weight: 3), Server("b", 8002)), Pool("db", Server("d", 5432))],
            [Frontend("front", 9000, "web"), Frontend("sql", 9001, "db", ForwardingMode.Passthrough)]));
        var front = _runtime.Current.Frontends["front"];
        front.OnConnectionOpened();
        front.OnConnectionOpened();
        front.OnConnectionClosed();
        front.AddBytesIn(100);
        front.AddBytesOut(1000);
        _runtime.Current.Frontends["sql"].OnConnectionOpened();
        _runtime.Current.Frontends["sql"].OnConnectionRefused();
        var a = _runtime.Current.Pools["web"].Servers[0];
        a.OnConnectionOpened();
        a.AddBytesSent(100);
        a.AddBytesReceived(1000);
        _runtime.Current.Pools["web"].Servers[1].SetHealthy(false);
    }

    [Fact]
    public void Totals_sum_every_frontend()
    {
        var stats = StatsSnapshot.Capture(_runtime);

        Assert.Equal(3, stats.TotalConnections);
        Assert.Equal(2, stats.CurrentConnections);
        Assert.Equal(1000, stats.TotalBytesTx);
        Assert.Equal(100, stats.TotalBytesRx);
        Assert.Equal(1, stats.RefusedConnections);
    }

    [Fact]
    public void Pools_report_servers_health_weight_and_counters()
    {
        var web = StatsSnapshot.Capture(_runtime).Backends["web"];

        Assert.Equal(new Dictionary<string, bool> { ["127.0.0.1:8001"] = true, ["127.0.0.1:8002"] = false }, web.Servers);
        Assert.Equal(1, web.HealthyServers);
        Assert.Equal("round_robin", web.Policy);
        Assert.Equal(1, web.CurrentConnections);
        Assert.Equal(1000, web.BytesIn);
        Assert.Equal(100, web.BytesOut);
        var a = web.ServerDetails["127.0.0.1:8001"];
        Assert.Equal(new ServerStats("a", "127.0.0.1:8001", true, false, 3, 1, 1, 1000, 100, 0), a);
    }

    [Fact]
    public void Draining_servers_and_frontends_are_reported_as_draining()
    {
        var b = _runtime.Current.Pools["web"].Servers[1];
        b.OnConnectionOpened();
        _runtime.Apply(Config(Pool("web", Server("a", 8001, weight: 3)), Frontend("front", 9000, "web")));

        var web = StatsSnapshot.Capture(_runtime).Backends["web"];

        Assert.True(web.ServerDetails["127.0.0.1:8002"].Draining);
        Assert.False(web.ServerDetails["127.0.0.1:8001"].Draining);
    }

    [Fact]
    public void Frontends_report_address_pool_mode_and_counters()
    {
        var stats = StatsSnapshot.Capture(_runtime);

        Assert.Equal(new FrontendStats("127.0.0.1:9000", "web", "proxy", false, 1, 2, 0, 100, 1000, 0, 0), stats.Frontends["front"]);
        Assert.Equal("passthrough", stats.Frontends["sql"].Mode);
    }

    [Fact]
    public void Frontends_report_connect_failures_and_retries()
    {
        var front = _runtime.Current.Frontends["front"];
        front.OnConnectFailure();
        front.OnConnectFailure();
        front.OnRetry();

        var stats = StatsSnapshot.Capture(_runtime).Frontends["front"];

        Assert.Equal(2, stats.ConnectFailures);
        Assert.Equal(1, stats.Retries);
    }

    [Fact]
    public void Json_has_the_seed_shape_with_snake_case_names()
    {
        using var json = JsonDocument.Parse(StatsJson.Serialize(StatsSnapshot.Capture(_runtime)));
        var root = json.RootElement;

        Assert.Equal(3, root.GetProperty("total_connections").GetInt64());
        Assert.Equal(2, root.GetProperty("current_connections").GetInt64());
        Assert.Equal(1000, root.GetProperty("total_bytes_tx").GetInt64());
        Assert.Equal(100, root.GetProperty("total_bytes_rx").GetInt64());
        var servers = root.GetProperty("backends").GetProperty("web").GetProperty("servers");
        Assert.True(servers.GetProperty("127.0.0.1:8001").GetBoolean());
        Assert.False(servers.GetProperty("127.0.0.1:8002").GetBoolean());
        var detail = root.GetProperty("backends").GetProperty("web").GetProperty("server_details").GetProperty("127.0.0.1:8001");
        Assert.Equal(3, detail.GetProperty("weight").GetInt32());
        Assert.Equal(1, detail.GetProperty("current_connections").GetInt64());
        Assert.Equal("127.0.0.1:9000", root.GetProperty("frontends").GetProperty("front").GetProperty("listen_addr").GetString());
    }

    [Fact]
    public void Json_round_trips()
    {
        var stats = StatsSnapshot.Capture(_runtime);

        var read = StatsJson.Deserialize(StatsJson.Serialize(stats, indented: true));

        Assert.Equal(stats.TotalConnections, read.TotalConnections);
        Assert.Equal(stats.Backends["web"].ServerDetails["127.0.0.1:8001"], read.Backends["web"].ServerDetails["127.0.0.1:8001"]);
        Assert.Equal(stats.Frontends["sql"], read.Frontends["sql"]);
    }

    [Fact]
    public async Task Json_is_written_to_a_stream_as_utf8()
    {
        using var stream = new MemoryStream();

        await StatsJson.SerializeAsync(stream, StatsSnapshot.Capture(_runtime));

        Assert.Equal(StatsJson.Serialize(StatsSnapshot.Capture(_runtime)), System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Empty_runtime_gives_zero_totals_and_empty_maps()
    {
        var json = StatsJson.Serialize(StatsSnapshot.Capture(CreateRuntime()));

        Assert.Equal("""{"total_connections":0,"current_connections":0,"total_bytes_tx":0,"total_bytes_rx":0,"refused_connections":0,"backends":{},"frontends":{}}""", json);
    }
}
