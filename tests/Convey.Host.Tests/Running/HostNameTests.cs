using System.Net.Http;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

/// <summary>
/// Servers given by host name, through the real host and the system resolver. Only "localhost" is used, which
/// /etc/hosts answers: no lookup leaves the machine.
/// </summary>
public class HostNameTests
{
    [Fact]
    public async Task A_server_given_as_localhost_and_port_is_resolved_at_start_and_serves_real_traffic()
    {
        await using var backend = TestServer.ReadAllThenReply(8);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        var literal = $"addr = \"{backend.EndPoint}\"";
        var text = await File.ReadAllTextAsync(config.Path);
        Assert.Contains(literal, text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(config.Path, text.Replace(literal, $"addr = \"localhost:{backend.EndPoint.Port}\"", StringComparison.Ordinal));

        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(8, await Loopback.ExchangeAsync(config.Frontend, 8));
        }

        Assert.Contains("Host name localhost resolves to ", host.Output, StringComparison.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var stats = JsonDocument.Parse(await http.GetStringAsync($"{config.StatsUrl}/stats"));
        var pool = stats.RootElement.GetProperty("backends").GetProperty("pool");
        Assert.True(pool.GetProperty("servers").GetProperty(backend.EndPoint.ToString()).GetBoolean());
        Assert.Empty(pool.GetProperty("unresolved").EnumerateArray());
        var served = pool.GetProperty("server_details").GetProperty(backend.EndPoint.ToString());
        Assert.Equal("s1", served.GetProperty("name").GetString());
        Assert.Equal(3, served.GetProperty("total_connections").GetInt64());
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync());
    }
}
