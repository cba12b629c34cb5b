using System.Net;
using Convey.Configuration;
using Convey.Forwarding;

namespace Convey.Core.Tests.Configuration;

public sealed class TomlConfigReaderTests
{
    /// <summary>Every key of the schema with a value other than its default (also written as JSON by the configuration tests).</summary>
    internal const string EveryKey = """
        [frontends.web]
        listen_addr = "[::1]:8443"
        backend = "pool"
        mode = "dsr"
        dsr_method = "l2"
        connect_timeout = 1.5
        idle_timeout = 60
        drain_timeout = 0
        max_connections = 1000
        manage_firewall = false
        reuse_port = true

        [backends.pool]
        health_check_interval = 0.5
        health_check_timeout = 0.25
        rise = 1
        fall = 1
        balance = "my_custom_policy"
        retries = 0
        send_proxy = "v2"

        [backends.pool.servers.a]
        addr = "[2001:db8::10]:80"
        weight = 0
        max_connections = 50

        [backends.pool.servers.b]
        addr = "10.0.0.2:80"

        [stats]
        port = 9000
        listen_addr = "::"

        [passthrough]
        connection_tracker_capacity = 65536
        workers = 2
        stats_update_frequency = 0.5
        """;

    [Fact]
    public void Every_extension_key_is_read_with_its_exact_value()
    {
        var config = TomlConfigReader.Parse(EveryKey, "every.toml");

        var frontend = Assert.Single(config.Frontends);
        Assert.Equal(
            new FrontendConfig
            {
                Name = "web",
                ListenEndPoint = IPEndPoint.Parse("[::1]:8443"),
                Pool = "pool",
                Mode = "dsr",
                ConnectTimeout = TimeSpan.FromSeconds(1.5),
                IdleTimeout = TimeSpan.FromSeconds(60),
                DrainTimeout = TimeSpan.Zero,
                MaxConnections = 1000,
                Settings = TestSettings.Of(("dsr_method", "l2"), ("manage_firewall", "false"), ("reuse_port", "true")),
            },
            frontend);
        var pool = Assert.Single(config.Pools);
        Assert.Equal(new HealthCheckConfig { Interval = TimeSpan.FromSeconds(0.5), Timeout = TimeSpan.FromSeconds(0.25), Rise = 1, Fall = 1 }, pool.HealthCheck);
        Assert.Equal("my_custom_policy", pool.Balance);
        Assert.Equal(0, pool.Retries);
        Assert.Equal(TestSettings.Of(("send_proxy", "v2")), pool.Settings);
        Assert.Equal(new ServerConfig { Name = "a", Address = IPEndPoint.Parse("[2001:db8::10]:80"), Weight = 0, MaxConnections = 50 }, pool.Servers[0]);
        Assert.Equal(new ServerConfig { Name = "b", Address = IPEndPoint.Parse("10.0.0.2:80") }, pool.Servers[1]);
        Assert.Equal(TestSettings.Of(("port", "9000"), ("listen_addr", "::")), config.Sections["stats"]);
        Assert.Equal(TestSettings.Of(("connection_tracker_capacity", "65536"), ("workers", "2"), ("stats_update_frequency", "0.5")), config.Sections["passthrough"]);
        Assert.Equal("every.toml", config.Source);
    }

    [Fact]
    public void Absent_keys_take_their_defaults()
    {
        var config = TomlConfigReader.Parse(
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            [backends.pool.servers.s1]
            addr = "127.0.0.1:8080"
            """,
            "defaults.toml");

        Assert.Equal(new FrontendConfig { Name = "web", ListenEndPoint = IPEndPoint.Parse("127.0.0.1:3000"), Pool = "pool" }, config.Frontends[0]);
        Assert.Null(config.Frontends[0].Mode);
        Assert.Equal(new HealthCheckConfig(), config.Pools[0].HealthCheck);
        Assert.Empty(config.Sections);
        Assert.Equal(ConfigSettings.Empty, config.Frontends[0].Settings);
    }

    [Fact]
    public void Health_check_interval_zero_means_the_default_five_seconds_as_in_the_seed()
    {
        var config = TomlConfigReader.Parse(
            """
            [backends.pool]
            health_check_interval = 0
            [backends.pool.servers.s1]
            addr = "127.0.0.1:8080"
            """,
            "zero.toml");

        Assert.Equal(TimeSpan.FromSeconds(5), config.Pools[0].HealthCheck.Interval);
    }

    [Fact]
    public void A_server_addr_may_be_a_host_name_and_port_with_the_pools_resolve_interval()
    {
        var config = TomlConfigReader.Parse(
            """
            [backends.pool]
            resolve_interval = 2.5
            [backends.pool.servers.db]
            addr = "DB-1.Internal:5432"
            weight = 3
            max_connections = 10
            [backends.pool.servers.local]
            addr = "localhost:8080"
            [backends.pool.servers.v6]
            addr = "[::1]:8080"
            """,
            "names.toml");

        var pool = Assert.Single(config.Pools);
        Assert.Equal(TimeSpan.FromSeconds(2.5), pool.ResolveInterval);
        Assert.Equal(new ServerConfig { Name = "db", Address = new DnsEndPoint("db-1.internal", 5432), Weight = 3, MaxConnections = 10 }, pool.Servers[0]);
        Assert.Equal(new DnsEndPoint("localhost", 8080), pool.Servers[1].Address);
        Assert.Equal(IPEndPoint.Parse("[::1]:8080"), pool.Servers[2].Address);
    }

    [Fact]
    public void Resolve_interval_defaults_to_thirty_seconds()
    {
        var config = TomlConfigReader.Parse(
            """
            [backends.pool.servers.s1]
            addr = "db.internal:8080"
            """,
            "names.toml");

        Assert.Equal(TimeSpan.FromSeconds(30), config.Pools[0].ResolveInterval);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n\t\r\n\n")]
    [InlineData("# nothing yet\n\n   # still nothing\n")]
    public void An_empty_file_is_refused_with_a_message_saying_it_is_empty(string text)
    {
        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.Parse(text, "empty.toml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("empty.toml", error.Source);
        Assert.Contains("the file is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_on_disk_is_refused_by_the_one_shot_reader()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("convey-empty-").FullName, "convey.toml");
        File.WriteAllBytes(path, []);
        try
        {
            var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile(path));

            var error = Assert.Single(ex.Errors);
            Assert.Equal(path, error.Source);
            Assert.Contains("the file is empty", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void A_file_with_only_a_stats_table_is_not_empty()
    {
        var config = TomlConfigReader.Parse("[stats]\nport = 7000\n", "stats-only.toml");

        Assert.Empty(config.Frontends);
        Assert.Equal(TestSettings.Of(("port", "7000")), config.Sections["stats"]);
    }

    [Fact]
    public void All_errors_of_a_file_are_reported_at_once_in_file_order()
    {
        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.Parse(
            """
            [frontends.web]
            listen_addr = "127.0.0.1:99999"
            backend = "nowhere"
            connect_timeout = "fast"

            [backends.pool.servers.s1]
            addr = "127.0.0.1:8080"
            weight = "heavy"

            [backends.pool.servers.s2]
            adr = "127.0.0.1:8081"
            """,
            "many.toml"));

        Assert.Equal(
            [
                (2, 1, "frontends.web.listen_addr"),
                (3, 1, "frontends.web.backend"),
                (4, 1, "frontends.web.connect_timeout"),
                (8, 1, "backends.pool.servers.s1.weight"),
                (10, 24, "backends.pool.servers.s2.addr"),
                (11, 1, "backends.pool.servers.s2.adr"),
            ],
            ex.Errors.Select(e => (e.Line, e.Column, e.KeyPath)));
        Assert.Contains("6 errors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_balance_names_are_left_for_the_runtime_which_knows_the_registered_policies()
    {
        var config = TomlConfigReader.Parse(
            """
            [backends.pool]
            balance = "not_registered_yet"
            [backends.pool.servers.s1]
            addr = "127.0.0.1:8080"
            """,
            "policy.toml");

        Assert.Equal("not_registered_yet", config.Pools[0].Balance);
        var error = Assert.Single(ConfigValidator.Validate(config, ["round_robin"]));
        Assert.Equal("backends.pool.balance", error.KeyPath);
    }

    [Fact]
    public void A_missing_file_is_refused_with_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "convey-" + Guid.NewGuid().ToString("N"), "absent.toml");

        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile(path));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(path, error.Source);
        Assert.Contains("cannot read the configuration file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_instead_of_a_file_is_refused_with_config_exception()
    {
        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile(Path.GetTempPath()));

        var error = Assert.Single(ex.Errors);
        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_refused_at_the_line_and_column_of_the_first_bad_byte()
    {
        using var file = new TempFile([.. "[frontends.web]\nlisten_addr = \"é"u8, 0xFF, .. "\"\n"u8]);

        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile(file.Path));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((2, 17), (error.Line, error.Column));
        Assert.Contains("0xFF is not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_utf16_file_is_refused_as_not_utf8()
    {
        using var file = new TempFile([.. System.Text.Encoding.Unicode.Preamble, .. System.Text.Encoding.Unicode.GetBytes(EveryKey)]);

        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile(file.Path));

        Assert.Contains("not valid UTF-8", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_allowed()
    {
        using var file = new TempFile([.. System.Text.Encoding.UTF8.Preamble, .. System.Text.Encoding.UTF8.GetBytes(EveryKey)]);

        var config = TomlConfigReader.ReadFile(file.Path);

        Assert.Equal("web", config.Frontends[0].Name);
    }

    [Fact]
    public void A_file_over_16_MiB_is_refused_without_reading_it_all()
    {
        using var file = new TempFile([]);
        using (var stream = File.OpenWrite(file.Path))
        {
            stream.SetLength(64L * 1024 * 1024);
        }

        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile(file.Path));

        Assert.Contains("larger than 16 MiB", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_endless_device_is_refused_as_a_device_without_reading_it()
    {
        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile("/dev/zero"));

        Assert.Contains("is a character device, not a regular file", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_values_are_refused_with_config_exception()
    {
        var text = "x = " + new string('[', 100_000) + new string(']', 100_000) + "\n";

        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.Parse(text, "deep.toml"));

        Assert.Equal("deep.toml", Assert.Single(ex.Errors).Source);
    }

    [Fact]
    public void A_10_MB_file_of_comments_around_a_valid_config_loads()
    {
        var text = EveryKey + "\n# " + new string('x', 10_000_000) + "\n";

        var config = TomlConfigReader.Parse(text, "big.toml");

        Assert.Equal("web", config.Frontends[0].Name);
    }

    private sealed class TempFile : IDisposable
    {
        public TempFile(byte[] content)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "convey-" + Guid.NewGuid().ToString("N") + ".toml");
            File.WriteAllBytes(Path, content);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }

    [Fact]
    public void Every_truncation_of_a_valid_file_either_loads_or_throws_config_exception_only()
    {
        for (var length = 0; length <= EveryKey.Length; length++)
        {
            var text = EveryKey[..length];
            try
            {
                TomlConfigReader.Parse(text, "truncated.toml");
            }
            catch (ConfigException ex)
            {
                Assert.NotEmpty(ex.Errors);
                Assert.All(ex.Errors, e => Assert.Equal("truncated.toml", e.Source));
            }
        }
    }

    private const string Alphabet = "[]=\"'.{},#\n abc123:-_\\";

    [Fact]
    public void Garbage_bytes_are_refused_with_config_exception_only()
    {
        var random = new Random(42);
        for (var i = 0; i < 200; i++)
        {
            var chars = new char[random.Next(1, 80)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = Alphabet[random.Next(Alphabet.Length)];
            }

            try
            {
                TomlConfigReader.Parse(new string(chars), "garbage.toml");
            }
            catch (ConfigException)
            {
            }
        }
    }
}
