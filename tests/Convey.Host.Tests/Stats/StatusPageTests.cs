using Convey.Host.Stats;
using Convey.Metrics;

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
        var html = StatusPage.Render(Snapshot(Server("s1", healthy, draining, weight)), "lb.toml", Now);

        Assert.Contains($"<tr class=\"{state}\" data-server=\"s1\" data-state=\"{state}\">", html, StringComparison.Ordinal);
        Assert.Contains($"<td>{state.ToUpperInvariant()}</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_from_the_configuration_are_html_encoded()
    {
        var html = StatusPage.Render(Snapshot(Server("<script>alert(1)</script>", true, false, 1)), "<b>.toml", Now);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;.toml", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_refreshes_itself_and_shows_counters_and_byte_sizes()
    {
        var html = StatusPage.Render(Snapshot(Server("s1", true, false, 3) with { TotalConnections = 42, BytesOut = 3 * 1024 * 1024 }), "lb.toml", Now);

        Assert.Contains($"<meta http-equiv=\"refresh\" content=\"{StatusPage.RefreshSeconds}\">", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">42</td>", html, StringComparison.Ordinal);
        Assert.Contains("3.0 MiB", html, StringComparison.Ordinal);
        Assert.Contains("(round_robin, 1/1 servers taking traffic)", html, StringComparison.Ordinal);
        Assert.Contains("data-frontend=\"web_in\"", html, StringComparison.Ordinal);
    }

    private static ServerStats Server(string name, bool healthy, bool draining, int weight) =>
        new(name, "127.0.0.1:9000", healthy, draining, weight, 0, 0, 0, 0, 0);

    private static StatsSnapshot Snapshot(ServerStats server) => new(
        0, 0, 0, 0, 0,
        new Dictionary<string, PoolStats>
        {
            ["web"] = new("round_robin", 0, 0, 0, 0, 1,
                new Dictionary<string, bool> { [server.Address] = server.Healthy },
                new Dictionary<string, ServerStats> { [server.Address] = server }),
        },
        new Dictionary<string, FrontendStats>
        {
            ["web_in"] = new("127.0.0.1:8000", "web", "proxy", false, 0, 0, 0, 0, 0, 0, 0),
        });
}
