using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Stats;

public class StatsRebindTests
{
    [Fact]
    public async Task A_reload_that_changes_the_stats_port_moves_the_listener_and_a_taken_port_keeps_the_old_one()
    {
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var first = config.Stats!.Port;
        var second = config.ReservePort().Port;

        await RewriteStatsPortAsync(config, first, second);

        await Eventually.ReturnsAsync(() => AnswersAsync(http, second), answers => answers, "the stats listener answers on the new port");
        await Eventually.ReturnsAsync(() => AnswersAsync(http, first), answers => !answers, "the stats listener leaves the old port");
        await host.WaitForOutputAsync($"Stats listener moved from 127.0.0.1:{first} to 127.0.0.1:{second}");

        var takenPort = config.ReservePort();
        using var held = config.Occupy(takenPort);
        var taken = takenPort.Port;
        await RewriteStatsPortAsync(config, second, taken);

        await host.WaitForOutputAsync($"Stats listener cannot bind 127.0.0.1:{taken}");
        Assert.Contains($"it stays on 127.0.0.1:{second}", host.Output, StringComparison.Ordinal);
        Assert.True(await AnswersAsync(http, second));
    }

    private static async Task RewriteStatsPortAsync(HostConfigFile config, int from, int to)
    {
        var text = await File.ReadAllTextAsync(config.Path);
        await File.WriteAllTextAsync(config.Path, text.Replace(
            string.Create(CultureInfo.InvariantCulture, $"port = {from}\n"), string.Create(CultureInfo.InvariantCulture, $"port = {to}\n"), StringComparison.Ordinal));
    }

    private static async Task<bool> AnswersAsync(HttpClient http, int port)
    {
        try
        {
            return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/stats"))).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
