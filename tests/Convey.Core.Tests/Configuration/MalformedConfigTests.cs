using Convey.Configuration;

namespace Convey.Core.Tests.Configuration;

/// <summary>
/// A corpus of configurations with one mistake each: every one is refused through <see cref="ConfigException"/>
/// only, with the mistake as first error at the right line, column and key path. Mistakes past the TOML syntax
/// give exactly that one error; a syntax error may be followed by what the parser could not make sense of after it.
/// </summary>
public sealed class MalformedConfigTests
{
    public static TheoryData<string, string, int, int, string, string> Corpus => new()
    {
        // name, toml, line, column, key path, a fragment of the message
        {
            "unterminated string",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000
            backend = "pool"
            """,
            2, 30, "frontends.web.listen_addr", "TOML: Invalid newline in a string"
        },
        {
            "key without value",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend =
            """,
            3, 10, "frontends.web.backend", "TOML: "
        },
        {
            "duplicate key",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            listen_addr = "127.0.0.1:3001"
            backend = "pool"
            """ + ConfigText.PoolWithOneServer,
            3, 1, "frontends.web.listen_addr", "already defined"
        },
        {
            "table defined twice",
            """
            [backends.pool]
            retries = 1
            [backends.pool]
            retries = 2
            """,
            3, 1, "backends.pool", "already defined"
        },
        {
            "unknown server key",
            """
            [backends.pool.servers.s1]
            addr = "127.0.0.1:8080"
              wieght = 3
            """,
            3, 3, "backends.pool.servers.s1.wieght", "Did you mean 'weight'?"
        },
        {
            "host name as a listen address",
            """
            [frontends.web]
            backend = "pool"
            listen_addr = "localhost:3000"
            """ + ConfigText.PoolWithOneServer,
            3, 1, "frontends.web.listen_addr", "is not an IP address (a listen address is never a host name)"
        },
        {
            "server host name with an underscore",
            """
            [backends.pool.servers.s1]
            addr = "web_1:8080"
            """,
            2, 1, "backends.pool.servers.s1.addr", "\"web_1\" in \"web_1:8080\" is neither an IP address nor a host name"
        },
        {
            "server host name label starting with a hyphen",
            """
            [backends.pool.servers.s1]
            addr = "-db.internal:8080"
            """,
            2, 1, "backends.pool.servers.s1.addr", "is neither an IP address nor a host name"
        },
        {
            "server host name label longer than 63 characters",
            """
            [backends.pool.servers.s1]
            addr = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.internal:8080"
            """,
            2, 1, "backends.pool.servers.s1.addr", "is neither an IP address nor a host name"
        },
        {
            "server address a URL",
            """
            [backends.pool.servers.s1]
            addr = "http://db.internal:8080"
            """,
            2, 1, "backends.pool.servers.s1.addr", "is neither an IP address nor a host name"
        },
        {
            "server IPv4 address with a part above 255",
            """
            [backends.pool.servers.s1]
            addr = "10.0.0.300:8080"
            """,
            2, 1, "backends.pool.servers.s1.addr", "\"10.0.0.300\" in \"10.0.0.300:8080\" is not an IPv4 address"
        },
        {
            "server host name in brackets",
            """
            [backends.pool.servers.s1]
            addr = "[db.internal]:8080"
            """,
            2, 1, "backends.pool.servers.s1.addr", "brackets hold IPv6 addresses only"
        },
        {
            "server host name without port",
            """
            [backends.pool.servers.s1]
            addr = "db.internal"
            """,
            2, 1, "backends.pool.servers.s1.addr", "has no port"
        },
        {
            "server host name with port out of range",
            """
            [backends.pool.servers.s1]
            addr = "db.internal:65536"
            """,
            2, 1, "backends.pool.servers.s1.addr", "port 65536 in \"db.internal:65536\" is out of range"
        },
        {
            "server address with no host",
            """
            [backends.pool.servers.s1]
            addr = ":8080"
            """,
            2, 1, "backends.pool.servers.s1.addr", "has no host before the port"
        },
        {
            "same host name twice in a pool",
            """
            [backends.pool.servers.s1]
            addr = "db.internal:8080"
            [backends.pool.servers.s2]
            addr = "DB.internal:8080"
            """,
            4, 1, "backends.pool.servers.s2.addr", "db.internal:8080 is already the address of another server"
        },
        {
            "resolve interval zero",
            """
            [backends.pool]
            resolve_interval = 0
            """ + ConfigText.PoolWithOneServer,
            2, 1, "backends.pool.resolve_interval", "resolve_interval must be a positive number of seconds"
        },
        {
            "address without port",
            """
            [backends.pool.servers.s1]
            addr = "127.0.0.1"
            """,
            2, 1, "backends.pool.servers.s1.addr", "has no port"
        },
        {
            "IPv6 address without brackets",
            """
            [frontends.web]
            backend = "pool"
            listen_addr = "::1:3000"
            """ + ConfigText.PoolWithOneServer,
            3, 1, "frontends.web.listen_addr", "needs brackets"
        },
        {
            "listen port out of range",
            """
            [frontends.web]
            listen_addr = "0.0.0.0:70000"
            backend = "pool"
            """ + ConfigText.PoolWithOneServer,
            2, 1, "frontends.web.listen_addr", "out of range"
        },
        {
            "server port zero",
            """
            [backends.pool.servers.s1]
            addr = "[::1]:0"
            """,
            2, 1, "backends.pool.servers.s1.addr", "out of range"
        },
        {
            "weight above the maximum",
            """
            [backends.pool.servers.s1]
            addr = "127.0.0.1:8080"
            weight = 1000001
            """,
            3, 1, "backends.pool.servers.s1.weight", "between 0 and 1000000"
        },
        {
            "negative weight",
            """
            [backends.pool.servers.s1]
            addr = "127.0.0.1:8080"
            weight = -1
            """,
            3, 1, "backends.pool.servers.s1.weight", "between 0 and 1000000"
        },
        {
            "frontend naming a missing pool",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
                backend = "pol"
            """ + ConfigText.PoolWithOneServer,
            3, 5, "frontends.web.backend", "no pool named 'pol'"
        },
        {
            "duplicate listen address",
            """
            [frontends.a]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"

            [frontends.b]
            backend = "pool"
            listen_addr = "127.0.0.1:3000"
            """ + ConfigText.PoolWithOneServer,
            7, 1, "frontends.b.listen_addr", "already the listen address"
        },
        {
            "duplicate IPv6 listen address written differently",
            """
            [frontends.a]
            listen_addr = "[::1]:3000"
            backend = "pool"

            [frontends.b]
            listen_addr = "[0:0:0:0:0:0:0:1]:3000"
            backend = "pool"
            """ + ConfigText.PoolWithOneServer,
            6, 1, "frontends.b.listen_addr", "already the listen address"
        },
        {
            "pool without servers",
            """
            [backends.pool]
            health_check_interval = 3
            """,
            1, 11, "backends.pool.servers", "has no servers"
        },
        {
            "empty servers table",
            """
            [backends.pool]
              [backends.pool.servers]
            """,
            2, 18, "backends.pool.servers", "has no servers"
        },
        {
            "duplicate server address in a pool",
            """
            [backends.pool.servers.s1]
            addr = "127.0.0.1:8080"
            [backends.pool.servers.s2]
            addr = "127.0.0.1:8080"
            """,
            4, 1, "backends.pool.servers.s2.addr", "already the address of another server"
        },
        {
            "weight as a string",
            """
            [backends.pool.servers.s1]
            addr = "127.0.0.1:8080"
            weight = "10"
            """,
            3, 1, "backends.pool.servers.s1.weight", "must be a whole number, not the string \"10\""
        },
        {
            "listen address as a number",
            """
            [frontends.web]
            listen_addr = 3000
            backend = "pool"
            """ + ConfigText.PoolWithOneServer,
            2, 1, "frontends.web.listen_addr", "must be a string, not the integer 3000"
        },
        {
            "frontends as a value instead of tables",
            """
            frontends = 3
            """,
            1, 1, "frontends", "must be a table"
        },
        {
            "a server that is not a table",
            """
            [backends.pool.servers]
            s1 = "127.0.0.1:8080"
            """,
            2, 1, "backends.pool.servers.s1", "must be a table describing a server"
        },
        {
            "negative connect timeout",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            connect_timeout = -1
            """ + ConfigText.PoolWithOneServer,
            4, 1, "frontends.web.connect_timeout", "must not be negative"
        },
        {
            "zero idle timeout",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            idle_timeout = 0.0
            """ + ConfigText.PoolWithOneServer,
            4, 1, "frontends.web.idle_timeout", "must be a positive number of seconds"
        },
        {
            "negative health check interval",
            """
            [backends.pool]
            health_check_interval = -3
            """ + ConfigText.PoolWithOneServer,
            2, 1, "backends.pool.health_check_interval", "must not be negative"
        },
        {
            "timeout longer than timers allow",
            """
            [backends.pool]
            health_check_timeout = 1e9
            """ + ConfigText.PoolWithOneServer,
            2, 1, "backends.pool.health_check_timeout", "at most 1000000 seconds"
        },
        {
            "timeout as text",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            drain_timeout = "30s"
            """ + ConfigText.PoolWithOneServer,
            4, 1, "frontends.web.drain_timeout", "must be a number of seconds"
        },
        {
            "rise zero",
            """
            [backends.pool]
            rise = 0
            """ + ConfigText.PoolWithOneServer,
            2, 1, "backends.pool.rise", "rise must be between 1 and 100"
        },
        {
            "fall above the maximum",
            """
            [backends.pool]
            fall = 101
            """ + ConfigText.PoolWithOneServer,
            2, 1, "backends.pool.fall", "fall must be between 1 and 100"
        },
        {
            "retries above the maximum",
            """
            [backends.pool]
            retries = 1000
            """ + ConfigText.PoolWithOneServer,
            2, 1, "backends.pool.retries", "retries must be between 0 and 100"
        },
        {
            "negative max connections",
            """
            [backends.pool.servers.s1]
            addr = "127.0.0.1:8080"
            max_connections = -1
            """,
            3, 1, "backends.pool.servers.s1.max_connections", "0 (no limit) or more"
        },
        {
            "server without address",
            """
            [backends.pool.servers.s1]
            weight = 2
            """,
            1, 24, "backends.pool.servers.s1.addr", "'addr' is required"
        },
        {
            "frontend without listen address",
            """
            [frontends.web]
            backend = "pool"
            """ + ConfigText.PoolWithOneServer,
            1, 12, "frontends.web.listen_addr", "'listen_addr' is required"
        },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Each_mistake_is_refused_with_one_error_at_its_line_column_and_key(string name, string toml, int line, int column, string keyPath, string message)
    {
        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.Parse(toml, "corpus.toml"));

        var error = ex.Errors[0];
        if (!error.Message.StartsWith("TOML: ", StringComparison.Ordinal))
        {
            Assert.Single(ex.Errors);
        }

        Assert.True(
            (error.Source, error.Line, error.Column, error.KeyPath) == ("corpus.toml", line, column, keyPath),
            $"{name}: expected corpus.toml:{line}:{column} {keyPath}, got {error}");
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains($"corpus.toml:{line}:{column} {keyPath}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corpus_holds_at_least_25_distinct_mistakes()
    {
        var names = Corpus.Select(row => (string)row[0]).ToArray();

        Assert.True(names.Length >= 25, $"only {names.Length} cases");
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
    }
}
