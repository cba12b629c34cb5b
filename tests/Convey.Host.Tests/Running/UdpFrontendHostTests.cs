using System.Net;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

/// <summary>The host serves a UDP frontend from its TOML file: affinity by client address, stats and metrics, and <c>--check</c>'s refusals.</summary>
public sealed class UdpFrontendHostTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("convey-udp-host-").FullName;
    private readonly ReservedPort _stats = new();

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        _stats.Dispose();
    }

    [Fact]
    public async Task Udp_clients_keep_their_server_by_address_through_the_host_and_stats_and_metrics_count_them()
    {
        var servers = new[] { UdpTestServer.Echo("a"), UdpTestServer.Echo("b"), UdpTestServer.Echo("c") };
        try
        {
            var frontend = UdpTestServer.FreeEndPoint();
            var path = Write($"""
                [frontends.dns]
                listen_addr = "{frontend}"
                backend = "resolvers"
                protocol = "udp"

                [backends.resolvers]
                balance = "maglev_source"
                {string.Concat(servers.Select(s => $"""

                    [backends.resolvers.servers.{s.Name}]
                    addr = "{s.EndPoint}"

                    """))}

                [stats]
                listen_addr = "127.0.0.1"
                port = {_stats.Port}
                """);
            await using var host = HostProcess.Start([$"--config={path}"]);
            await host.WaitForOutputAsync("Application started");

            var reached = new Dictionary<int, HashSet<string>>();
            var clients = new List<System.Net.Sockets.Socket>();
            for (var last = 1; last <= 12; last++)
            {
                reached[last] = [];
                for (var port = 0; port < 3; port++)
                {
                    // Kept open to the end: a closed client's port could come back for the next, as the same session.
                    var client = UdpTestServer.Client(IPAddress.Parse($"127.0.2.{last}"));
                    clients.Add(client);
                    var reply = await UdpTestServer.ExchangeAsync(client, frontend, "q");
                    Assert.NotNull(reply);
                    Assert.Equal(frontend, reply.Value.From);
                    reached[last].Add(reply.Value.Text.Split(':')[0]);
                }
            }

            clients.ForEach(c => c.Dispose());
            Assert.All(reached.Values, names => Assert.Single(names));
            Assert.True(reached.Values.Select(n => n.Single()).Distinct().Count() >= 2, "12 client addresses all went to one server");

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var stats = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{_stats.Port}/stats"));
            var dns = stats.RootElement.GetProperty("frontends").GetProperty("dns");
            Assert.Equal("udp", dns.GetProperty("protocol").GetString());
            var udp = dns.GetProperty("udp");
            Assert.Equal(36, udp.GetProperty("total_sessions").GetInt64());
            Assert.Equal(36, udp.GetProperty("datagrams_tx").GetInt64());
            Assert.Equal(36, udp.GetProperty("datagrams_rx").GetInt64());
            Assert.Equal(0, udp.GetProperty("dropped").GetProperty("session_limit").GetInt64());

            var metrics = await http.GetStringAsync($"http://127.0.0.1:{_stats.Port}/metrics");
            Assert.Contains("convey_frontend_datagrams_total{otel_scope_name=\"Convey\",convey_frontend=\"dns\",network_io_direction=\"receive\"} 36", metrics, StringComparison.Ordinal);
            Assert.Contains("convey_frontend_dropped_datagrams_total", metrics, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Check_refuses_udp_on_a_dsr_frontend_at_its_line_with_the_mode_that_serves_it()
    {
        var path = Write("""
            [frontends.vip]
            listen_addr = "198.18.0.1:53"
            backend = "pool"
            mode = "dsr"
            protocol = "udp"

            [backends.pool.servers.s1]
            addr = "198.18.0.10:53"
            """);

        var (code, _, error) = await HostProcess.RunToExitAsync("--check", $"--config={path}");

        Assert.Equal(1, code);
        Assert.Contains($"{path}:5:1 frontends.vip.protocol: mode 'dsr' does not serve UDP; set mode = \"proxy\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_refuses_an_unknown_protocol_at_its_line()
    {
        var path = Write("""
            [frontends.web]
            listen_addr = "198.18.0.1:54"
            backend = "pool"
            protocol = "sctp"

            [backends.pool.servers.s1]
            addr = "198.18.0.10:53"
            """);

        var (code, _, error) = await HostProcess.RunToExitAsync("--check", $"--config={path}");

        Assert.Equal(1, code);
        Assert.Contains($"{path}:4:1 frontends.web.protocol: 'protocol' must be one of \"tcp\", \"udp\", not \"sctp\".", error, StringComparison.Ordinal);
    }

    private string Write(string toml)
    {
        var path = Path.Combine(_folder, "convey.toml");
        File.WriteAllText(path, toml);
        return path;
    }
}
