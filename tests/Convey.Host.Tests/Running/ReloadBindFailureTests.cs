using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class ReloadBindFailureTests
{
    [Fact]
    public async Task Reload_adding_a_frontend_on_a_taken_port_applies_the_rest_reports_it_and_listens_once_the_port_is_freed()
    {
        await using var backend = TestServer.ReadAllThenReply(4);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        // Every service started, the stats listener too (it starts after Convey).
        await host.WaitForOutputAsync("Application started");
        var taken = config.ReservePort();
        var free = config.ReservePort();
        var squatter = config.Occupy(taken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {

            await File.AppendAllTextAsync(config.Path, string.Create(CultureInfo.InvariantCulture, $"""

                [frontends.taken_in]
                listen_addr = "{taken}"
                backend = "pool"

                [frontends.free_in]
                listen_addr = "{free}"
                backend = "pool"

                """));
            await host.WaitForOutputAsync("Frontend free_in listening");

            Assert.Equal(4, await Loopback.ExchangeAsync(free, 4));
            await host.WaitForOutputAsync($"Frontend taken_in cannot listen on {taken}: address already in use");
            Assert.Equal(0, await ListeningAsync(http, config, "taken_in"));
            Assert.Equal(1, await ListeningAsync(http, config, "free_in"));
        }
        finally
        {
            squatter.Dispose();
        }

        var bytes = await Eventually.ReturnsAsync(
            async () =>
            {
                try
                {
                    return await Loopback.ExchangeAsync(taken, 4);
                }
                catch (SocketException)
                {
                    return -1L;
                }
            },
            b => b == 4,
            "the frontend on the freed port serves");
        Assert.Equal(4, bytes);
        Assert.Equal(1, await ListeningAsync(http, config, "taken_in"));
        Assert.DoesNotContain("   at ", host.Output + host.Error, StringComparison.Ordinal);
    }

    private static async Task<double> ListeningAsync(HttpClient http, HostConfigFile config, string frontend) =>
        PrometheusText.Parse(await http.GetStringAsync($"{config.StatsUrl}/metrics"))
            .Single("convey_frontend_listening", ("convey_frontend", frontend));
}
