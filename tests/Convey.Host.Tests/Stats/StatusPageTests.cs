using Convey.Host.Stats;
using Convey.Metrics;
using Convey.Runtime;

namespace Convey.Host.Tests.Stats;

public class StatusPageTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(true, false, 1, "up")]
    [InlineData(false, false, 1, "down")]
    [InlineData(true, true, 1, "draining")]
    [InlineData(false, true, 1, "draining")]
    [InlineData(true, false, 0, "disabled")]
    public void Each_server_shows_its_state(bool healthy, bool draining, int weight, string state)
    {
        var html = StatusPage.Render(Snapshot(Server("s1", healthy, draining, weight)), Now);

        Assert.Contains($"<tr class=\"{state}\" data-server=\"s1\" data-state=\"{state}\">", html, StringComparison.Ordinal);
        Assert.Contains($"<td>{state.ToUpperInvariant()}</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_not_probed_yet_shows_as_pending()
    {
        var html = StatusPage.Render(Snapshot(Server("s1", false, false, 1, pending: true)), Now);
        const string state = "pending";

        Assert.Contains($"<tr class=\"{state}\" data-server=\"s1\" data-state=\"{state}\">", html, StringComparison.Ordinal);
        Assert.Contains($"<td>{state.ToUpperInvariant()}</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_from_the_configuration_are_html_encoded()
    {
        var html = StatusPage.Render(Snapshot(Server("<script>alert(1)</script>", true, false, 1), configSource: "<b>.toml"), Now);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;.toml", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_refreshes_itself_and_shows_counters_and_byte_sizes()
    {
        var html = StatusPage.Render(Snapshot(Server("s1", true, false, 3, totalConnections: 42, bytesToServer: 3 * 1024 * 1024)), Now);

        Assert.Contains($"<meta http-equiv=\"refresh\" content=\"{StatusPage.RefreshSeconds}\">", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">42</td>", html, StringComparison.Ordinal);
        Assert.Contains("3.0 MiB", html, StringComparison.Ordinal);
        Assert.Contains("(round_robin, 1/1 servers taking traffic)", html, StringComparison.Ordinal);
        Assert.Contains("data-frontend=\"web_in\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Frontends_show_whether_they_listen_and_why_not_and_whether_they_drain()
    {
        var html = StatusPage.Render(Snapshot(Server("s1", true, false, 1), frontends: new Dictionary<string, FrontendStats>
        {
            ["up"] = Frontend(listening: true),
            ["blocked"] = Frontend(listenError: "address already in use"),
            ["old"] = Frontend(listening: true, draining: true, currentConnections: 1),
        }), Now);

        Assert.Contains("<tr class=\"listening\" data-frontend=\"up\" data-state=\"listening\">", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"not-listening\" data-frontend=\"blocked\" data-state=\"not-listening\">", html, StringComparison.Ordinal);
        Assert.Contains("NOT-LISTENING: address already in use", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"draining\" data-frontend=\"old\" data-state=\"draining\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_packet_frontend_shows_the_packet_path_beside_its_mode()
    {
        var html = StatusPage.Render(Snapshot(Server("s1", true, false, 1), frontends: new Dictionary<string, FrontendStats>
        {
            ["nat"] = new() { ListenAddr = "198.18.0.2:80", Pool = "web", Mode = "passthrough", Listening = true, Transport = "af_packet" },
            ["web"] = Frontend(listening: true),
        }), Now);

        Assert.Contains("<td>passthrough (af_packet)</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>proxy</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_last_reload_is_shown_with_its_time_source_and_error()
    {
        var html = StatusPage.Render(Snapshot(Server("s1", true, false, 1),
            lastReload: new ReloadStatus { Result = ReloadResult.Refused, Time = Now, Source = "lb.toml", Error = "lb.toml:2:1: frontends.a: <bad>" }), Now);

        Assert.Contains("<p class=\"alert\" id=\"reload\" data-result=\"refused\">Last reload refused at 2026-11-26 12:00:00 UTC from lb.toml:</p>", html, StringComparison.Ordinal);
        Assert.Contains("<pre id=\"reload-error\">lb.toml:2:1: frontends.a: &lt;bad&gt;</pre>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unresolved_host_name_is_shown_in_its_pool()
    {
        var html = StatusPage.Render(Snapshot(Server("s1", true, false, 1), unresolved: ["db.internal:5432"]), Now);

        Assert.Contains("<tr class=\"unresolved\" data-unresolved=\"db.internal:5432\" data-state=\"unresolved\">", html, StringComparison.Ordinal);
        Assert.Contains("db.internal:5432: UNRESOLVED", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_reload_the_page_says_so()
    {
        var html = StatusPage.Render(Snapshot(Server("s1", true, false, 1)), Now);

        Assert.Contains("No reload since start.", html, StringComparison.Ordinal);
    }

    private static FrontendStats Frontend(bool listening = false, string? listenError = null, bool draining = false, long currentConnections = 0) => new()
    {
        ListenAddr = "127.0.0.1:8000",
        Pool = "web",
        Mode = "proxy",
        Listening = listening,
        ListenError = listenError,
        Draining = draining,
        CurrentConnections = currentConnections,
    };

    private static ServerStats Server(string name, bool healthy, bool draining, int weight, bool pending = false, long totalConnections = 0, long bytesToServer = 0) => new()
    {
        Name = name,
        Address = "127.0.0.1:9000",
        Healthy = healthy,
        Draining = draining,
        Weight = weight,
        Pending = pending,
        TotalConnections = totalConnections,
        BytesToServer = bytesToServer,
    };

    private static StatsSnapshot Snapshot(
        ServerStats server,
        string configSource = "lb.toml",
        Dictionary<string, FrontendStats>? frontends = null,
        ReloadStatus? lastReload = null,
        IReadOnlyList<string>? unresolved = null) => new()
    {
        Pools = new Dictionary<string, PoolStats>
        {
            ["web"] = new()
            {
                Policy = "round_robin",
                HealthyServers = 1,
                Servers = new Dictionary<string, bool> { [server.Address] = server.Healthy },
                ServerDetails = new Dictionary<string, ServerStats> { [server.Address] = server },
                Unresolved = unresolved ?? [],
            },
        },
        Frontends = frontends ?? new Dictionary<string, FrontendStats> { ["web_in"] = Frontend() },
        ConfigSource = configSource,
        LastReload = lastReload,
    };
}
