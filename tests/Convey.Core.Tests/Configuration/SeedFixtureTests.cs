using System.Net;
using Convey.Configuration;

namespace Convey.Core.Tests.Configuration;

/// <summary>The original Convey's files load unchanged, with exactly their values and the seed's defaults.</summary>
public sealed class SeedFixtureTests
{
    private static readonly TimeSpan Seconds3 = TimeSpan.FromSeconds(3);

    private static ConveyConfig Load(string name) => TomlConfigReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "fixtures", "seed", name));

    private static void AssertServers(BackendPoolConfig pool, params (string Name, string Address, int Weight)[] expected)
    {
        Assert.Equal(
            expected.Select(e => (e.Name, (EndPoint)IPEndPoint.Parse(e.Address), e.Weight)),
            pool.Servers.Select(s => (s.Name, s.Address, s.Weight)));
        Assert.All(pool.Servers, s => Assert.Equal(0, s.MaxConnections));
    }

    private static void AssertSeedPoolDefaults(BackendPoolConfig pool)
    {
        Assert.Null(pool.Balance);
        Assert.Equal(BackendPoolConfig.DefaultRetries, pool.Retries);
        Assert.Equal(ConfigSettings.Empty, pool.Settings);
        Assert.Equal(new HealthCheckConfig { Interval = pool.HealthCheck.Interval }, pool.HealthCheck);
    }


    private static void AssertFrontend(FrontendConfig frontend, string name, string listen, string backend)
    {
        Assert.Equal(new FrontendConfig { Name = name, ListenEndPoint = IPEndPoint.Parse(listen), Pool = backend }, frontend);
    }

    [Fact]
    public void Test_toml_loads_two_frontends_two_pools_with_weights_and_default_weight_one()
    {
        var config = Load("test.toml");

        Assert.Equal(2, config.Frontends.Length);
        AssertFrontend(config.Frontends[0], "tcp_3000", "0.0.0.0:3000", "tcp3000_out");
        AssertFrontend(config.Frontends[1], "tcp_3001", "0.0.0.0:3001", "tcp3001_out");
        Assert.Equal(["tcp3000_out", "tcp3001_out"], config.Pools.Select(b => b.Name));
        AssertServers(config.Pools[0], ("server1", "127.0.0.1:8080", 10), ("server2", "127.0.0.1:8081", 1), ("server3", "127.0.0.1:8082", 1), ("server4", "127.0.0.1:8085", 10));
        AssertServers(config.Pools[1], ("server1", "127.0.0.1:8080", 2), ("server2", "127.0.0.1:8081", 1), ("server3", "127.0.0.1:8082", 1));
        Assert.All(config.Pools, b => Assert.Equal(Seconds3, b.HealthCheck.Interval));
        Assert.All(config.Pools, AssertSeedPoolDefaults);
        Assert.Equal(TestSettings.Of(("port", "7000")), config.Sections["stats"]);
        Assert.False(config.Sections.ContainsKey("passthrough"));
    }

    [Fact]
    public void Proxy_test_toml_loads_with_weights_10000_and_1()
    {
        var config = Load("proxy_test.toml");

        AssertFrontend(Assert.Single(config.Frontends), "tcp_3000", "0.0.0.0:8000", "tcp3000_out");
        var pool = Assert.Single(config.Pools);
        AssertServers(pool, ("server1", "127.0.0.1:8080", 10000), ("server2", "127.0.0.1:8081", 1));
        Assert.Equal(Seconds3, pool.HealthCheck.Interval);
        AssertSeedPoolDefaults(pool);
        Assert.Equal(TestSettings.Of(("port", "7000")), config.Sections["stats"]);
        Assert.False(config.Sections.ContainsKey("passthrough"));
    }

    [Fact]
    public void Passthrough_test_toml_loads_its_passthrough_table_and_long_interval()
    {
        var config = Load("passthrough_test.toml");

        AssertFrontend(Assert.Single(config.Frontends), "tcp_3000", "127.0.0.1:3000", "tcp3000_out");
        var pool = Assert.Single(config.Pools);
        AssertServers(pool, ("server1", "127.0.0.1:3080", 1), ("server2", "127.0.0.1:3081", 1));
        Assert.Equal(TimeSpan.FromSeconds(300), pool.HealthCheck.Interval);
        AssertSeedPoolDefaults(pool);
        Assert.Equal(TestSettings.Of(("port", "7000")), config.Sections["stats"]);
        Assert.Equal(TestSettings.Of(("connection_tracker_capacity", "2"), ("workers", "1"), ("stats_update_frequency", "3")), config.Sections["passthrough"]);
    }

    [Fact]
    public void Sample_passthrough_toml_loads_four_unweighted_servers()
    {
        var config = Load("sample-passthrough.toml");

        AssertFrontend(Assert.Single(config.Frontends), "tcp_80", "192.168.1.140:80", "tcp80_out");
        var pool = Assert.Single(config.Pools);
        AssertServers(pool, ("server1", "192.168.1.198:80", 1), ("server2", "192.168.1.169:80", 1), ("server3", "172.18.65.186:80", 1), ("server4", "172.18.68.49:80", 1));
        Assert.Equal(Seconds3, pool.HealthCheck.Interval);
        Assert.Equal(TestSettings.Of(("port", "7000")), config.Sections["stats"]);
        Assert.Equal(TestSettings.Of(("connection_tracker_capacity", "20000"), ("workers", "4"), ("stats_update_frequency", "5")), config.Sections["passthrough"]);
    }

    [Fact]
    public void Sample_proxy_toml_loads_two_frontends_on_one_address()
    {
        var config = Load("sample-proxy.toml");

        AssertFrontend(config.Frontends[0], "tcp_3000", "192.168.1.136:3000", "tcp3000_out");
        AssertFrontend(config.Frontends[1], "tcp_3001", "192.168.1.136:3001", "tcp3001_out");
        AssertServers(config.Pools[0], ("server1", "192.168.1.128:80", 10), ("server2", "192.168.1.118:80", 100), ("server3", "192.168.1.138:8084", 1), ("server4", "192.168.1.184:8080", 1));
        AssertServers(config.Pools[1], ("server2", "192.168.2.10:8083", 1), ("server3", "192.168.2.11:8082", 1));
        Assert.All(config.Pools, b => Assert.Equal(Seconds3, b.HealthCheck.Interval));
        Assert.Equal(TestSettings.Of(("port", "7000")), config.Sections["stats"]);
    }

    [Fact]
    public void Every_seed_file_but_bad_toml_loads_and_names_its_source()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "fixtures", "seed");
        var files = Directory.GetFiles(directory, "*.toml").Where(f => Path.GetFileName(f) != "bad.toml").ToArray();

        Assert.Equal(5, files.Length);
        Assert.All(files, f => Assert.Equal(f, TomlConfigReader.ReadFile(f).Source));
    }

    [Fact]
    public void Bad_toml_is_refused_for_its_missing_pool_and_its_empty_pool()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "seed", "bad.toml");

        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile(path));

        Assert.Collection(
            ex.Errors,
            e => Assert.Equal((path, 3, 1, "frontends.tcp_3000.backend"), (e.Source, e.Line, e.Column, e.KeyPath)),
            e => Assert.Equal((path, 7, 20, "backends.whoops.servers"), (e.Source, e.Line, e.Column, e.KeyPath)));
        Assert.Contains("no pool named 'missing'", ex.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("has no servers", ex.Errors[1].Message, StringComparison.Ordinal);
    }
}
