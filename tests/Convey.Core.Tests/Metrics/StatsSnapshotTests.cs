using System.Net;
using System.Text.Json;
using Convey.Configuration;
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
            [Frontend("front", 9000, "web"), Frontend("sql", 9001, "db", "passthrough")]));
        _runtime.PassFirstProbes();
        var front = _runtime.Current.Frontends["front"];
        front.OnConnectionOpened();
        front.OnConnectionOpened();
        front.OnConnectionClosed();
        front.AddBytesToServer(100);
        front.AddBytesToClient(1000);
        _runtime.Current.Frontends["sql"].OnConnectionOpened();
        _runtime.Current.Frontends["sql"].OnConnectionRefused();
        var a = _runtime.Current.Pools["web"].Servers[0];
        a.OnConnectionOpened();
        a.AddBytesToServer(100);
        a.AddBytesToClient(1000);
        _runtime.Current.Pools["web"].Servers[1].SetHealthy(false);
    }

    [Fact]
    public void Totals_sum_every_frontend_with_tx_from_clients_and_rx_back_to_them()
    {
        var stats = StatsSnapshot.Capture(_runtime);

        Assert.Equal(3, stats.TotalConnections);
        Assert.Equal(2, stats.CurrentConnections);
        Assert.Equal(100, stats.TotalBytesToServer);
        Assert.Equal(1000, stats.TotalBytesToClient);
        Assert.Equal(1, stats.RefusedConnections);
    }

    [Fact]
    public void A_host_name_that_never_resolved_is_listed_under_unresolved_in_its_pool()
    {
        var runtime = CreateRuntime();
        runtime.Apply(Web(Server("a", 8001), new ServerConfig { Name = "db", Address = new DnsEndPoint("db.test", 8080) }));

        var stats = StatsSnapshot.Capture(runtime);
        using var json = JsonDocument.Parse(StatsJson.Serialize(stats));

        Assert.Equal("db.test:8080", Assert.Single(stats.Pools["web"].Unresolved));
        var unresolved = json.RootElement.GetProperty("backends").GetProperty("web").GetProperty("unresolved");
        Assert.Equal("db.test:8080", Assert.Single(unresolved.EnumerateArray()).GetString());
        Assert.Equal(["127.0.0.1:8001"], stats.Pools["web"].Servers.Keys);
        Assert.Empty(StatsSnapshot.Capture(_runtime).Pools["web"].Unresolved);
    }

    [Fact]
    public void Pools_report_servers_health_weight_and_counters()
    {
        var web = StatsSnapshot.Capture(_runtime).Pools["web"];

        Assert.Equal(new Dictionary<string, bool> { ["127.0.0.1:8001"] = true, ["127.0.0.1:8002"] = false }, web.Servers);
        Assert.Equal(1, web.HealthyServers);
        Assert.Equal("round_robin", web.Policy);
        Assert.Equal(1, web.CurrentConnections);
        Assert.Equal(100, web.BytesToServer);
        Assert.Equal(1000, web.BytesToClient);
        var a = web.ServerDetails["127.0.0.1:8001"];
        Assert.Equivalent(
            new ServerStats { Name = "a", Address = "127.0.0.1:8001", Healthy = true, Weight = 3, CurrentConnections = 1, TotalConnections = 1, BytesToServer = 100, BytesToClient = 1000 },
            a);
    }

    [Fact]
    public void Draining_servers_and_frontends_are_reported_as_draining()
    {
        var b = _runtime.Current.Pools["web"].Servers[1];
        b.OnConnectionOpened();
        _runtime.Apply(Config(Pool("web", Server("a", 8001, weight: 3)), Frontend("front", 9000, "web")));

        var web = StatsSnapshot.Capture(_runtime).Pools["web"];

        Assert.True(web.ServerDetails["127.0.0.1:8002"].Draining);
        Assert.False(web.ServerDetails["127.0.0.1:8001"].Draining);
    }

    [Fact]
    public void A_server_new_to_its_pool_is_reported_pending_until_its_first_probe()
    {
        _runtime.Apply(Config(
            [Pool("web", Server("a", 8001, weight: 3), Server("b", 8002), Server("c", 8003)), Pool("db", Server("d", 5432))],
            [Frontend("front", 9000, "web"), Frontend("sql", 9001, "db", "passthrough")]));

        var c = StatsSnapshot.Capture(_runtime).Pools["web"].ServerDetails["127.0.0.1:8003"];
        Assert.True(c.Pending);
        Assert.False(c.Healthy);
        Assert.False(StatsSnapshot.Capture(_runtime).Pools["web"].ServerDetails["127.0.0.1:8001"].Pending);

        _runtime.Current.Pools["web"].Servers.Single(s => s.Name == "c").SetHealthy(true);
        Assert.False(StatsSnapshot.Capture(_runtime).Pools["web"].ServerDetails["127.0.0.1:8003"].Pending);
    }

    [Fact]
    public void Removed_frontend_stays_listed_draining_until_its_last_connection_ends()
    {
        var sql = _runtime.Current.Frontends["sql"];
        sql.AddBytesToServer(7);
        _runtime.Apply(Config(Pool("web", Server("a", 8001)), Frontend("front", 9000, "web")));

        var listed = StatsSnapshot.Capture(_runtime);
        Assert.True(listed.Frontends["sql"].Draining);
        Assert.Equal(1, listed.Frontends["sql"].CurrentConnections);
        Assert.False(listed.Frontends["front"].Draining);
        Assert.Equal(107, listed.TotalBytesToServer);

        _runtime.RemoveDrained();
        Assert.True(StatsSnapshot.Capture(_runtime).Frontends.ContainsKey("sql"));

        sql.OnConnectionClosed();
        _runtime.RemoveDrained();
        Assert.False(StatsSnapshot.Capture(_runtime).Frontends.ContainsKey("sql"));
    }

    [Fact]
    public void Removed_frontend_without_connections_leaves_at_once()
    {
        _runtime.Current.Frontends["front"].OnConnectionClosed();
        _runtime.Apply(Config(Pool("web", Server("a", 8001)), Frontend("sql", 9001, "web")));

        Assert.False(StatsSnapshot.Capture(_runtime).Frontends.ContainsKey("front"));
    }

    [Fact]
    public void Removed_pool_stays_listed_draining_until_its_servers_last_flow_ends()
    {
        var d = _runtime.Current.Pools["db"].Servers[0];
        d.OnConnectionOpened();
        _runtime.Apply(Config(Pool("web", Server("a", 8001)), Frontend("front", 9000, "web")));

        var db = StatsSnapshot.Capture(_runtime).Pools["db"];
        Assert.True(db.Draining);
        Assert.True(db.ServerDetails["127.0.0.1:5432"].Draining);
        Assert.False(StatsSnapshot.Capture(_runtime).Pools["web"].Draining);

        d.OnConnectionClosed();
        _runtime.RemoveDrained();
        Assert.False(StatsSnapshot.Capture(_runtime).Pools.ContainsKey("db"));
    }

    [Fact]
    public void Frontends_report_whether_they_listen_and_why_not()
    {
        var front = _runtime.Current.Frontends["front"];
        front.ReportNotListening("address already in use");
        var sql = _runtime.Current.Frontends["sql"];
        sql.ReportListening();

        var stats = StatsSnapshot.Capture(_runtime);

        Assert.False(stats.Frontends["front"].Listening);
        Assert.Equal("address already in use", stats.Frontends["front"].ListenError);
        Assert.True(stats.Frontends["sql"].Listening);
        Assert.Null(stats.Frontends["sql"].ListenError);
    }

    [Fact]
    public void Frontends_report_address_pool_mode_and_counters()
    {
        var stats = StatsSnapshot.Capture(_runtime);

        Assert.Equivalent(
            new FrontendStats { ListenAddr = "127.0.0.1:9000", Pool = "web", Mode = "proxy", CurrentConnections = 1, TotalConnections = 2, BytesToServer = 100, BytesToClient = 1000 },
            stats.Frontends["front"]);
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
    public void Json_has_the_original_keys_with_tx_toward_servers_and_rx_toward_clients()
    {
        using var json = JsonDocument.Parse(StatsJson.Serialize(StatsSnapshot.Capture(_runtime)));
        var root = json.RootElement;

        Assert.Equal(
            ["total_connections", "current_connections", "total_bytes_tx", "total_bytes_rx", "backends", "frontends"],
            root.EnumerateObject().Select(p => p.Name).Take(6));
        var pool = root.GetProperty("backends").GetProperty("web");
        Assert.Equal(["total_connections", "current_connections", "bytes_tx", "bytes_rx", "servers"], pool.EnumerateObject().Select(p => p.Name).Take(5));
        var frontend = root.GetProperty("frontends").GetProperty("front");
        Assert.Equal(["total_connections", "current_connections", "bytes_tx", "bytes_rx"], frontend.EnumerateObject().Select(p => p.Name).Take(4));
        Assert.Equal(100, root.GetProperty("total_bytes_tx").GetInt64());
        Assert.Equal(1000, root.GetProperty("total_bytes_rx").GetInt64());
        Assert.Equal(100, pool.GetProperty("bytes_tx").GetInt64());
        Assert.Equal(1000, pool.GetProperty("bytes_rx").GetInt64());
        Assert.Equal(100, frontend.GetProperty("bytes_tx").GetInt64());
        Assert.Equal(1000, frontend.GetProperty("bytes_rx").GetInt64());
        var server = pool.GetProperty("server_details").GetProperty("127.0.0.1:8001");
        Assert.Equal(100, server.GetProperty("bytes_tx").GetInt64());
        Assert.Equal(1000, server.GetProperty("bytes_rx").GetInt64());
        Assert.DoesNotContain("bytes_in", json.RootElement.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("bytes_out", json.RootElement.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_has_the_richer_keys_with_snake_case_names()
    {
        using var json = JsonDocument.Parse(StatsJson.Serialize(StatsSnapshot.Capture(_runtime)));
        var root = json.RootElement;

        Assert.Equal(3, root.GetProperty("total_connections").GetInt64());
        Assert.Equal(2, root.GetProperty("current_connections").GetInt64());
        var servers = root.GetProperty("backends").GetProperty("web").GetProperty("servers");
        Assert.True(servers.GetProperty("127.0.0.1:8001").GetBoolean());
        Assert.False(servers.GetProperty("127.0.0.1:8002").GetBoolean());
        var detail = root.GetProperty("backends").GetProperty("web").GetProperty("server_details").GetProperty("127.0.0.1:8001");
        Assert.Equal(3, detail.GetProperty("weight").GetInt32());
        Assert.Equal(1, detail.GetProperty("current_connections").GetInt64());
        var front = root.GetProperty("frontends").GetProperty("front");
        Assert.Equal("127.0.0.1:9000", front.GetProperty("listen_addr").GetString());
        Assert.False(front.GetProperty("listening").GetBoolean());
        Assert.False(front.GetProperty("draining").GetBoolean());
        Assert.False(root.GetProperty("backends").GetProperty("web").GetProperty("draining").GetBoolean());
    }

    [Fact]
    public void Json_shows_the_listen_error_only_when_not_listening()
    {
        _runtime.Current.Frontends["front"].ReportNotListening("address already in use");
        _runtime.Current.Frontends["sql"].ReportListening();

        using var json = JsonDocument.Parse(StatsJson.Serialize(StatsSnapshot.Capture(_runtime)));
        var frontends = json.RootElement.GetProperty("frontends");

        Assert.Equal("address already in use", frontends.GetProperty("front").GetProperty("listen_error").GetString());
        Assert.True(frontends.GetProperty("sql").GetProperty("listening").GetBoolean());
        Assert.False(frontends.GetProperty("sql").TryGetProperty("listen_error", out _));
    }

    [Fact]
    public void Json_shows_the_transport_an_engine_reports_and_none_when_it_names_none()
    {
        _runtime.Current.Frontends["front"].ReportListening();
        _runtime.Current.Frontends["sql"].ReportListening("af_packet");

        using var json = JsonDocument.Parse(StatsJson.Serialize(StatsSnapshot.Capture(_runtime)));
        var frontends = json.RootElement.GetProperty("frontends");

        Assert.Equal("af_packet", frontends.GetProperty("sql").GetProperty("transport").GetString());
        Assert.True(frontends.GetProperty("sql").GetProperty("listening").GetBoolean());
        Assert.False(frontends.GetProperty("front").TryGetProperty("transport", out _));
    }

    [Fact]
    public void A_frontend_that_stops_listening_no_longer_shows_a_transport()
    {
        var sql = _runtime.Current.Frontends["sql"];
        sql.ReportListening("af_xdp");
        sql.ReportNotListening("interface eth1 went away");

        Assert.Null(StatsSnapshot.Capture(_runtime).Frontends["sql"].Transport);
    }

    [Fact]
    public void Json_shows_the_last_reload_its_result_time_source_and_error()
    {
        var refused = new ReloadStatus
        {
            Result = ReloadResult.Refused,
            Time = new DateTimeOffset(2026, 12, 2, 5, 0, 0, TimeSpan.Zero),
            Source = "/etc/convey.toml",
            Error = "/etc/convey.toml:3:1: frontends.a.listen_addr: not an address",
        };

        using var json = JsonDocument.Parse(StatsJson.Serialize(StatsSnapshot.Capture(_runtime, refused)));
        var reload = json.RootElement.GetProperty("last_reload");

        Assert.Equal("refused", reload.GetProperty("result").GetString());
        Assert.Equal("2026-12-02T05:00:00+00:00", reload.GetProperty("time").GetString());
        Assert.Equal("/etc/convey.toml", reload.GetProperty("source").GetString());
        Assert.Equal(refused.Error, reload.GetProperty("error").GetString());
        var read = StatsJson.Deserialize(StatsJson.Serialize(StatsSnapshot.Capture(_runtime, refused))).LastReload!;
        Assert.Equal((refused.Result, refused.Time, refused.Source, refused.Error), (read.Result, read.Time, read.Source, read.Error));
    }

    [Fact]
    public void Json_round_trips()
    {
        var stats = StatsSnapshot.Capture(_runtime);

        var read = StatsJson.Deserialize(StatsJson.Serialize(stats, indented: true));

        Assert.Equal(stats.TotalConnections, read.TotalConnections);
        Assert.Equal(StatsJson.Serialize(stats), StatsJson.Serialize(read));
        Assert.Equal(stats.Pools["web"].ServerDetails["127.0.0.1:8001"].Address, read.Pools["web"].ServerDetails["127.0.0.1:8001"].Address);
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

        Assert.Equal("""{"total_connections":0,"current_connections":0,"total_bytes_tx":0,"total_bytes_rx":0,"backends":{},"frontends":{},"refused_connections":0,"config_source":"in-memory","config_revision":null,"last_reload":null,"announce":null}""", json);
    }
}
