using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Stats;

/// <summary>What /stats and the status page show across reloads: draining frontends and the last reload's outcome.</summary>
public class StatsReloadTests
{
    [Fact]
    public async Task A_removed_frontend_stays_listed_draining_while_a_connection_is_open_and_leaves_after()
    {
        await using var backend = TestServer.ReadAllThenReply(5);
        using var config = HostConfigFile.WritePools([("pool", [("s1", backend.EndPoint)]), ("other", [("s2", backend.EndPoint)])]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");
        using var client = new Socket(config.Frontends["other"].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(config.Frontends["other"]);
        await Loopback.SendAsync(client, 100);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await FrontendAsync(http, config, "other_in", f => f?.GetProperty("current_connections").GetInt64() == 1);

        await File.WriteAllTextAsync(config.Path, WithoutTable(await File.ReadAllTextAsync(config.Path), "[frontends.other_in]"));
        await host.WaitForOutputAsync("Reload applied");

        var draining = await FrontendAsync(http, config, "other_in", f => f?.GetProperty("draining").GetBoolean() == true);
        Assert.Equal(1, draining!.Value.GetProperty("current_connections").GetInt64());
        var page = await http.GetStringAsync($"{config.StatsUrl}/");
        Assert.Contains("data-frontend=\"other_in\" data-state=\"draining\"", page, StringComparison.Ordinal);

        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(5, await Loopback.CountToEndAsync(client));

        Assert.Null(await FrontendAsync(http, config, "other_in", f => f is null));
    }

    [Fact]
    public async Task A_refused_reload_is_shown_in_stats_and_on_the_page_with_its_error_and_source()
    {
        await using var backend = TestServer.ReadAllThenReply(5);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using (var before = JsonDocument.Parse(await http.GetStringAsync($"{config.StatsUrl}/stats")))
        {
            Assert.Equal(JsonValueKind.Null, before.RootElement.GetProperty("last_reload").ValueKind);
            Assert.Equal(config.Path, before.RootElement.GetProperty("config_source").GetString());
        }

        var original = await File.ReadAllTextAsync(config.Path);
        await File.WriteAllTextAsync(config.Path, original.Replace("backend = \"pool\"", "backend = \"nowhere\"", StringComparison.Ordinal));

        using var stats = await Eventually.ReturnsAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync($"{config.StatsUrl}/stats")),
            json => json.RootElement.GetProperty("last_reload").ValueKind == JsonValueKind.Object,
            "/stats shows the last reload");
        var reload = stats.RootElement.GetProperty("last_reload");
        Assert.Equal("refused", reload.GetProperty("result").GetString());
        Assert.Equal(config.Path, reload.GetProperty("source").GetString());
        Assert.Contains("frontends.pool_in.backend", reload.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.UtcNow - reload.GetProperty("time").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
        var page = await http.GetStringAsync($"{config.StatsUrl}/");
        Assert.Contains("data-result=\"refused\"", page, StringComparison.Ordinal);
        Assert.Contains("frontends.pool_in.backend", page, StringComparison.Ordinal);
    }

    /// <summary>Waits until the frontend's /stats entry (null when absent) meets <paramref name="condition"/>.</summary>
    private static async Task<JsonElement?> FrontendAsync(HttpClient http, HostConfigFile config, string name, Func<JsonElement?, bool> condition) =>
        await Eventually.ReturnsAsync(
            async () =>
            {
                using var json = JsonDocument.Parse(await http.GetStringAsync($"{config.StatsUrl}/stats"));
                return json.RootElement.GetProperty("frontends").TryGetProperty(name, out var frontend) ? frontend.Clone() : (JsonElement?)null;
            },
            condition,
            $"/stats shows frontend {name} as expected");

    /// <summary>The TOML text without the table that starts with <paramref name="header"/> (up to the next blank line).</summary>
    private static string WithoutTable(string toml, string header)
    {
        var start = toml.IndexOf(header, StringComparison.Ordinal);
        var end = toml.IndexOf("\n\n", start, StringComparison.Ordinal);
        return toml.Remove(start, end + 2 - start);
    }
}
