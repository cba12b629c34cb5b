using Convey.Configuration;
using Convey.Core.Tests.Runtime;
using Microsoft.Extensions.Configuration;

namespace Convey.Core.Tests.Configuration;

/// <summary><c>AddConfiguration(section)</c>'s reader: the TOML file's keys, read from any <see cref="IConfiguration"/>.</summary>
public sealed class ConfigurationSectionReaderTests : IDisposable
{
    /// <summary>The same configuration as <see cref="TomlConfigReaderTests.EveryKey"/>, as an appsettings.json writes it.</summary>
    private const string EveryKeyJson = """
        {
          "Logging": { "LogLevel": { "Default": "Information" } },
          "Convey": {
            "frontends": {
              "web": {
                "listen_addr": "[::1]:8443",
                "backend": "pool",
                "mode": "dsr",
                "dsr_method": "l2",
                "connect_timeout": 1.5,
                "idle_timeout": 60,
                "drain_timeout": 0,
                "max_connections": 1000,
                "manage_firewall": false,
                "reuse_port": true
              }
            },
            "backends": {
              "pool": {
                "health_check_interval": 0.5,
                "health_check_timeout": 0.25,
                "rise": 1,
                "fall": 1,
                "balance": "my_custom_policy",
                "retries": 0,
                "send_proxy": "v2",
                "servers": {
                  "a": { "addr": "[2001:db8::10]:80", "weight": 0, "max_connections": 50 },
                  "b": { "addr": "10.0.0.2:80" }
                }
              }
            },
            "stats": { "port": 9000, "listen_addr": "::" },
            "passthrough": { "connection_tracker_capacity": 65536, "workers": 2, "stats_update_frequency": 0.5 }
          }
        }
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("convey-appsettings-");

    public void Dispose() => _directory.Delete(recursive: true);

    private IConfigurationRoot JsonFile(string json)
    {
        var path = Path.Combine(_directory.FullName, "appsettings.json");
        File.WriteAllText(path, json);
        return new ConfigurationBuilder().AddJsonFile(path).Build();
    }

    private static IConfigurationRoot InMemory(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    /// <summary>A valid configuration of one frontend and one pool, as in-memory keys under <c>Convey</c>, with <paramref name="changes"/> set over it.</summary>
    private static IConfigurationSection Minimal(params (string Key, string Value)[] changes)
    {
        var pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Convey:frontends:web:listen_addr"] = "127.0.0.1:3000",
            ["Convey:frontends:web:backend"] = "pool",
            ["Convey:backends:pool:servers:a:addr"] = "127.0.0.1:8080",
        };
        foreach (var (key, value) in changes)
        {
            pairs[key] = value;
        }

        return InMemory([.. pairs.Select(p => (p.Key, p.Value))]).GetSection("Convey");
    }

    private static ConfigException Refused(IConfiguration configuration) =>
        Assert.Throws<ConfigException>(() => ConfigurationSectionReader.Read(configuration));

    [Fact]
    public void The_same_configuration_written_as_toml_and_as_appsettings_json_reads_the_same()
    {
        var toml = TomlConfigReader.Parse(TomlConfigReaderTests.EveryKey, "every.toml");
        var json = ConfigurationSectionReader.Read(JsonFile(EveryKeyJson).GetSection("Convey"));

        Assert.Equal(toml, json);
        Assert.Equal(ConfigurationSectionReader.SourceName, json.Source);
    }

    [Fact]
    public void Numbers_seconds_and_booleans_are_read_from_their_text()
    {
        var config = ConfigurationSectionReader.Read(Minimal(
            ("Convey:frontends:web:max_connections", "5"),
            ("Convey:frontends:web:idle_timeout", "1.5"),
            ("Convey:frontends:web:reuse_port", "true"),
            ("Convey:frontends:web:manage_firewall", "False"),
            ("Convey:passthrough:workers", "3")));

        var frontend = Assert.Single(config.Frontends);
        Assert.Equal((5, TimeSpan.FromSeconds(1.5)), (frontend.MaxConnections, frontend.IdleTimeout));
        Assert.True(frontend.Settings.TryGetValue("reuse_port", out var reusePort) && bool.Parse(reusePort));
        Assert.True(frontend.Settings.TryGetValue("manage_firewall", out var manageFirewall) && !bool.Parse(manageFirewall));
        Assert.True(config.Sections["passthrough"].TryGetValue("workers", out var workers) && workers == "3");
    }

    [Fact]
    public void An_in_memory_collection_configures_convey_like_a_file()
    {
        var config = ConfigurationSectionReader.Read(Minimal(("Convey:backends:pool:balance", "least_connections")));

        Assert.Equal(("web", "127.0.0.1:3000", "pool"), (config.Frontends[0].Name, config.Frontends[0].ListenEndPoint.ToString(), config.Frontends[0].Pool));
        var pool = Assert.Single(config.Pools);
        Assert.Equal(("pool", "least_connections", "127.0.0.1:8080"), (pool.Name, pool.Balance, Assert.Single(pool.Servers).Address.ToString()));
    }

    [Fact]
    public void A_whole_configuration_without_a_section_is_read_with_paths_from_its_root()
    {
        var configuration = InMemory(("frontends:web:listen_addr", "127.0.0.1:3000"), ("frontends:web:backend", "pool"), ("backends:pool:servers:a:addr", "nope"));

        var error = Assert.Single(Refused(configuration).Errors);

        Assert.Equal("backends:pool:servers:a:addr", error.KeyPath);
    }

    [Fact]
    public void A_value_that_cannot_be_read_is_reported_at_its_configuration_path()
    {
        var ex = Refused(Minimal(("Convey:backends:pool:servers:a:addr", "nope")));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((ConfigurationSectionReader.SourceName, 0, "Convey:backends:pool:servers:a:addr"), (error.Source, error.Line, error.KeyPath));
        Assert.StartsWith("\"nope\" has no port", error.Message, StringComparison.Ordinal);
        Assert.Contains("Convey:backends:pool:servers:a:addr: \"nope\"", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Convey:frontends:web:max_connections", "many", "expected a whole number, found the string \"many\".")]
    [InlineData("Convey:frontends:web:idle_timeout", "soon", "'idle_timeout' must be a number of seconds, not the string \"soon\".")]
    [InlineData("Convey:frontends:web:idle_timeout", "-1", "'idle_timeout' is a time in seconds and must not be negative, not -1.")]
    public void Text_that_is_not_the_type_of_its_key_is_reported_at_its_configuration_path(string key, string value, string message)
    {
        var error = Assert.Single(Refused(Minimal((key, value))).Errors);

        Assert.Equal((key, message), (error.KeyPath, error.Message));
    }

    [Fact]
    public void A_missing_required_key_is_reported_at_the_path_where_it_belongs()
    {
        var configuration = InMemory(("Convey:frontends:web:listen_addr", "127.0.0.1:3000"), ("Convey:backends:pool:servers:a:addr", "127.0.0.1:8080"));

        var error = Assert.Single(Refused(configuration.GetSection("Convey")).Errors);

        Assert.Equal("Convey:frontends:web:backend", error.KeyPath);
    }

    [Fact]
    public void An_unknown_key_is_reported_at_its_configuration_path_with_the_nearest_known_key()
    {
        var config = ConfigurationSectionReader.Read(Minimal(("Convey:frontends:web:Listen_Adr", "127.0.0.1:3001")));

        var error = Assert.Single(TestConfigs.CreateRuntime().Validate(config));

        Assert.Equal("Convey:frontends:web:Listen_Adr", error.KeyPath);
        Assert.Contains("Did you mean 'listen_addr'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_wide_problem_is_reported_at_its_configuration_path()
    {
        var error = Assert.Single(Refused(Minimal(("Convey:frontends:web:backend", "elsewhere"))).Errors);

        Assert.Equal("Convey:frontends:web:backend", error.KeyPath);
        Assert.Contains("elsewhere", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_problem_found_when_the_runtime_validates_is_reported_at_its_configuration_path()
    {
        var config = ConfigurationSectionReader.Read(Minimal(("Convey:backends:pool:balance", "fastest")));
        var error = Assert.Single(TestConfigs.CreateRuntime().Validate(config));

        Assert.Equal(("configuration", 0, "Convey:backends:pool:balance"), (error.Source, error.Line, error.KeyPath));
        Assert.StartsWith("configuration Convey:backends:pool:balance: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_with_a_dot_keeps_its_exact_configuration_path()
    {
        var error = Assert.Single(Refused(Minimal(("Convey:backends:pool:servers:db.internal:addr", "db..internal:80"))).Errors);

        Assert.Equal("Convey:backends:pool:servers:db.internal:addr", error.KeyPath);
    }

    [Theory]
    [InlineData("Convey")]
    [InlineData("Elsewhere")]
    public void An_empty_or_missing_section_is_refused(string section)
    {
        var configuration = InMemory(("Elsewhere", ""), ("Logging:LogLevel:Default", "Information"));

        var error = Assert.Single(Refused(configuration.GetSection(section)).Errors);

        Assert.Equal(section, error.KeyPath);
        Assert.Contains($"section '{section}' is empty or missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_json_object_reads_as_an_empty_table()
    {
        var configuration = JsonFile("""
            { "Convey": {
                "frontends": { "web": { "listen_addr": "127.0.0.1:3000", "backend": "pool" } },
                "backends": { "pool": { "servers": {} } } } }
            """);

        var error = Assert.Single(Refused(configuration.GetSection("Convey")).Errors);

        Assert.Equal("Convey:backends:pool:servers", error.KeyPath);
        Assert.Contains("pool 'pool' has no servers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_array_of_servers_reads_as_servers_named_by_their_index()
    {
        var configuration = JsonFile("""
            { "Convey": {
                "frontends": { "web": { "listen_addr": "127.0.0.1:3000", "backend": "pool" } },
                "backends": { "pool": { "servers": [ { "addr": "127.0.0.1:8080" }, { "addr": "127.0.0.1:8081", "weight": 3 } ] } } } }
            """);

        var servers = Assert.Single(ConfigurationSectionReader.Read(configuration.GetSection("Convey")).Pools).Servers;

        Assert.Equal([("0", "127.0.0.1:8080", 1), ("1", "127.0.0.1:8081", 3)], servers.Select(s => (s.Name, s.Address.ToString(), s.Weight)));
    }

    [Fact]
    public void Toml_stays_strict_about_types()
    {
        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.Parse("""
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            max_connections = "5"
            idle_timeout = "1.5"

            [backends.pool.servers.a]
            addr = "127.0.0.1:8080"
            """, "strict.toml"));

        Assert.Equal(["frontends.web.max_connections", "frontends.web.idle_timeout"], ex.Errors.Select(e => e.KeyPath));
    }
}
