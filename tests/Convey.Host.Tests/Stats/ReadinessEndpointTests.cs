using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Stats;

public class ReadinessEndpointTests
{
    [Fact]
    public async Task Readyz_is_200_ready_when_every_frontend_listens_and_every_pool_has_a_healthy_server()
    {
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        var (status, body) = await Eventually.ReturnsAsync(() => ReadyzAsync(http, config), r => r.Status == HttpStatusCode.OK, "/readyz answers 200");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Empty(body.RootElement.GetProperty("reasons").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{config.StatsUrl}/healthz")).StatusCode);
    }

    [Fact]
    public async Task Readyz_is_200_degraded_with_the_reason_while_a_pool_has_no_healthy_server()
    {
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.ReturnsAsync(() => ReadyzAsync(http, config), r => r.Status == HttpStatusCode.OK, "/readyz answers 200");

        await backend.StopListeningAsync();

        var (status, body) = await Eventually.ReturnsAsync(() => ReadyzAsync(http, config), r => Text(r.Body, "status") == "degraded", "/readyz says degraded");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["pool pool has no healthy server (all 1 down)"], body.RootElement.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("degraded", body.RootElement.GetProperty("checks").GetProperty("convey_pools").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Healthz_is_200_and_readyz_is_503_naming_a_frontend_that_cannot_listen()
    {
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");
        using var held = config.Occupy(config.ReservePort());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        await File.AppendAllTextAsync(config.Path, $"""

            [frontends.held_in]
            listen_addr = "{held.LocalEndPoint}"
            backend = "pool"

            """);

        var (status, body) = await Eventually.ReturnsAsync(
            () => ReadyzAsync(http, config),
            r => r.Body.RootElement.GetProperty("reasons").EnumerateArray().Any(reason => reason.GetString()!.StartsWith("frontend held_in", StringComparison.Ordinal)),
            "/readyz names frontend held_in");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", Text(body, "status"));
        Assert.Contains(body.RootElement.GetProperty("reasons").EnumerateArray(),
            reason => reason.GetString()!.StartsWith($"frontend held_in ({held.LocalEndPoint}) is not listening: ", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{config.StatsUrl}/healthz")).StatusCode);
    }

    private static async Task<(HttpStatusCode Status, JsonDocument Body)> ReadyzAsync(HttpClient http, HostConfigFile config)
    {
        using var response = await http.GetAsync($"{config.StatsUrl}/readyz");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    private static string? Text(JsonDocument body, string property) => body.RootElement.GetProperty(property).GetString();
}
