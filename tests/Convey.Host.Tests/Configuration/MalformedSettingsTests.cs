using Convey.Configuration;
using Convey.Host.CommandLine;
using Convey.Host.Hosting;

namespace Convey.Host.Tests.Configuration;

/// <summary>
/// Mistakes in the settings the engines and the host own (beyond Convey's core): each is refused by the host's own
/// validation, the one <c>--check</c> and a reload run, with one error at the right line, column and key path.
/// </summary>
public sealed class MalformedSettingsTests
{
    public static TheoryData<string, string, int, int, string, string> Corpus => new()
    {
        // name, toml, line, column, key path, a fragment of the message
        {
            "unknown top-level table",
            """
            [stat]
            port = 7000
            """,
            1, 2, "stat", "Did you mean 'stats'?"
        },
        {
            "unknown frontend key",
            """
            [frontends.web]
            listen_adr = "127.0.0.1:3000"
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            """ + ConfigText.PoolWithOneServer,
            2, 1, "frontends.web.listen_adr", "Did you mean 'listen_addr'?"
        },
        {
            "unknown pool key",
            """
            [backends.pool]
            health_check_intervall = 3
            """ + ConfigText.PoolWithOneServer,
            2, 1, "backends.pool.health_check_intervall", "Did you mean 'health_check_interval'?"
        },
        {
            "workers as a float",
            """
            [passthrough]
            workers = 2.5
            """,
            2, 1, "passthrough.workers", "must be a whole number, not \"2.5\""
        },
        {
            "packet_path misspelt",
            """
            [passthrough]
            packet_path = "af-packet"
            """,
            2, 1, "passthrough.packet_path", "'af-packet' is not a valid packet_path; use one of: \"auto\", \"af_xdp\", \"af_packet\""
        },
        {
            "unknown mode",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            mode = "nat"
            """ + ConfigText.PoolWithOneServer,
            4, 1, "frontends.web.mode", "use one of: dsr, passthrough, proxy"
        },
        {
            "unknown dsr method",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            mode = "dsr"
            dsr_method = "l4"
            """ + ConfigText.PoolWithOneServer,
            5, 1, "frontends.web.dsr_method", "use one of: \"l3\", \"l2\""
        },
        {
            "unknown PROXY protocol version",
            """
            [backends.pool]
            send_proxy = "v3"
            """ + ConfigText.PoolWithOneServer,
            2, 1, "backends.pool.send_proxy", "use one of: \"none\", \"v1\", \"v2\""
        },
        {
            "accept_proxy as a string",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            accept_proxy = "yes"
            """ + ConfigText.PoolWithOneServer,
            4, 1, "frontends.web.accept_proxy", "must be true or false"
        },
        {
            "sni route to a pool that does not exist",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"

            [frontends.web.sni]
            "api.example.com" = "api_pool"
            """ + ConfigText.PoolWithOneServer,
            6, 1, "frontends.web.sni.\"api.example.com\"", "the pool 'api_pool' does not exist"
        },
        {
            "sni name that is no server name",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"

            [frontends.web.sni]
            "api..example.com" = "pool"
            """ + ConfigText.PoolWithOneServer,
            6, 1, "frontends.web.sni.\"api..example.com\"", "is not a server name"
        },
        {
            "sni name without quotes",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"

            [frontends.web.sni]
            api.example.com = "pool"
            """ + ConfigText.PoolWithOneServer,
            6, 13, "frontends.web.sni.\"api.example.com\"", "must be written in quotes"
        },
        {
            "no_client_hello misspelt",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            no_client_hello = "drop"

            [frontends.web.sni]
            "api.example.com" = "pool"
            """ + ConfigText.PoolWithOneServer,
            4, 1, "frontends.web.no_client_hello", "use one of: \"fallback\", \"reject\""
        },
        {
            "sni on a packet-mode frontend",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            mode = "passthrough"
            manage_firewall = false

            [frontends.web.sni]
            "api.example.com" = "pool"
            """ + ConfigText.PoolWithOneServer,
            7, 16, "frontends.web.sni", "needs mode = \"proxy\""
        },
        {
            "accept_proxy on a UDP frontend",
            """
            [frontends.dns]
            listen_addr = "127.0.0.1:3053"
            backend = "pool"
            protocol = "udp"
            accept_proxy = true
            """ + ConfigText.PoolWithOneServer,
            5, 1, "frontends.dns.accept_proxy", "a UDP frontend (protocol = \"udp\") has none"
        },
        {
            "sni on a UDP frontend",
            """
            [frontends.dns]
            listen_addr = "127.0.0.1:3053"
            backend = "pool"
            protocol = "udp"

            [frontends.dns.sni]
            "api.example.com" = "pool"
            """ + ConfigText.PoolWithOneServer,
            6, 16, "frontends.dns.sni", "a UDP frontend (protocol = \"udp\") has none"
        },
        {
            "send_proxy on a pool a UDP frontend uses",
            """
            [frontends.dns]
            listen_addr = "127.0.0.1:3053"
            backend = "pool"
            protocol = "udp"

            [backends.pool]
            send_proxy = "v2"
            """ + ConfigText.PoolWithOneServer,
            7, 1, "backends.pool.send_proxy", "the UDP frontend 'dns' uses pool 'pool'"
        },
        {
            "zero passthrough workers",
            """
            [passthrough]
            workers = 0
            """,
            2, 1, "passthrough.workers", "workers must be between 1 and 256"
        },
        {
            "negative connection tracker capacity",
            """
            [passthrough]
            connection_tracker_capacity = -5
            """,
            2, 1, "passthrough.connection_tracker_capacity", "between 1 and"
        },
        {
            "negative reset rate",
            """
            [passthrough]
            reset_rate = -1
            """,
            2, 1, "passthrough.reset_rate", "reset_rate must be between 0 and 1000000"
        },
        {
            "fast_path not a boolean",
            """
            [passthrough]
            fast_path = "yes"
            """,
            2, 1, "passthrough.fast_path", "'fast_path' must be true or false, not \"yes\""
        },
        {
            "zero stats update frequency",
            """
            [passthrough]
            stats_update_frequency = 0
            """,
            2, 1, "passthrough.stats_update_frequency", "must be a positive number of seconds"
        },
        {
            "stats port not a number",
            """
            [stats]
            port = "seventy"
            """,
            2, 1, "stats.port", "must be a whole number, not \"seventy\""
        },
        {
            "stats port out of range",
            """
            [stats]
            port = 70000
            """,
            2, 1, "stats.port", "between 1 and 65535"
        },
        {
            "stats listen address with a port",
            """
            [stats]
            port = 7000
            listen_addr = "127.0.0.1:7000"
            """,
            3, 1, "stats.listen_addr", "not an IP address"
        },
        {
            "stats without port",
            """
            [stats]
            listen_addr = "::1"
            """,
            1, 2, "stats.port", "'port' is required"
        },
        {
            "manage_firewall as a string",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            manage_firewall = "yes"
            """ + ConfigText.PoolWithOneServer,
            4, 1, "frontends.web.manage_firewall", "must be true or false"
        },
        {
            "interface that is no interface name",
            """
            [frontends.web]
            listen_addr = "127.0.0.1:3000"
            backend = "pool"
            mode = "dsr"
            interface = "eth0 eth1"
            """ + ConfigText.PoolWithOneServer,
            5, 1, "frontends.web.interface", "must name a network interface as `ip link` lists it"
        },
        {
            "passthrough interface longer than Linux allows",
            """
            [passthrough]
            interface = "uplink-to-the-core-router"
            """,
            2, 1, "passthrough.interface", "1 to 15 bytes"
        },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Each_mistake_is_refused_with_one_error_at_its_line_column_and_key(string name, string toml, int line, int column, string keyPath, string message)
    {
        var config = TomlConfigReader.Parse(toml, "corpus.toml");

        var errors = await ConveyHostBuilder.ValidateAsync(new HostArguments(HostCommands.Run, "corpus.toml", null), config);

        var error = Assert.Single(errors);
        Assert.True(
            (error.Source, error.Line, error.Column, error.KeyPath) == ("corpus.toml", line, column, keyPath),
            $"{name}: expected corpus.toml:{line}:{column} {keyPath}, got {error}");
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
