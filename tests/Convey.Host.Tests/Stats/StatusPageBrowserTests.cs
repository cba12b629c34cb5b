using System.Net.Http;
using System.Text.RegularExpressions;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Stats;

public class StatusPageBrowserTests
{
    [SkippableFact]
    public async Task Status_page_in_a_browser_shows_every_pool_and_server_and_a_stopped_server_turns_down()
    {
        Prerequisite.RequireFile(Chromium.Path, Chromium.MissingReason);
        await using var web1 = TestServer.ReadAllThenReply(10);
        await using var web2 = TestServer.ReadAllThenReply(10);
        await using var db1 = TestServer.ReadAllThenReply(10);
        using var config = HostConfigFile.WritePools(
        [
            ("web", [("web1", web1.EndPoint), ("web2", web2.EndPoint)]),
            ("db", [("db1", db1.EndPoint)]),
        ]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        var page = await Chromium.DumpDomAsync(config.StatsUrl + "/");

        Assert.Contains("<title>Convey status</title>", page, StringComparison.Ordinal);
        Assert.Equal(["db", "web"], Pools(page));
        Assert.Equal("up", StateOf(page, "web1"));
        Assert.Equal("up", StateOf(page, "web2"));
        Assert.Equal("up", StateOf(page, "db1"));
        Assert.Contains(web2.EndPoint.ToString(), page, StringComparison.Ordinal);

        await web2.StopListeningAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.ReturnsAsync(() => http.GetStringAsync(config.StatsUrl + "/"), html => StateOf(html, "web2") == "down", "the status page shows web2 down");
        page = await Chromium.DumpDomAsync(config.StatsUrl + "/");

        Assert.Equal("down", StateOf(page, "web2"));
        Assert.Equal("up", StateOf(page, "web1"));
        Assert.Equal("up", StateOf(page, "db1"));
    }

    private static string[] Pools(string page) =>
        [.. Regex.Matches(page, "<table class=\"pool\" data-pool=\"([^\"]+)\"").Select(m => m.Groups[1].Value)];

    private static string? StateOf(string page, string server)
    {
        var row = Regex.Match(page, $"<tr[^>]*data-server=\"{Regex.Escape(server)}\"[^>]*>");
        return row.Success ? Regex.Match(row.Value, "data-state=\"([a-z]+)\"").Groups[1].Value : null;
    }
}
